package io.distillery.jobs.spark;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * Finds a straggler's link before a data-parallel stage trains: the driver sends {@value #BYTES} bytes to
 * every rank as it starts, and times each transfer until the rank acknowledges it. In a synchronous
 * all-reduce every step waits for the slowest link, so one worker on a slow link slows all of them
 * without failing anything; the probe names it. It measures each worker's path to the driver, which on a
 * switched network is its own link: a slow path between two workers only is not seen.
 *
 * <p>A rank is reported when its transfer took at least {@value #SLOWER} times as long as the fastest
 * rank's and at least {@value #MIN_SLOW_MILLIS} ms (so a scheduling hiccup on a fast link is not a
 * straggler). The probe never fails a stage: a rank that cannot reach the probe trains as before.
 */
public final class LinkProbe implements Closeable {
    private static final org.apache.logging.log4j.Logger LOG =
            org.apache.logging.log4j.LogManager.getLogger(LinkProbe.class);

    /** 8 MiB: a few milliseconds on a 10 Gbit/s link, 0.7 s at 100 Mbit/s. */
    static final int BYTES = 8 << 20;

    static final int SLOWER = 4;
    static final long MIN_SLOW_MILLIS = 50;
    private static final int SOCKET_TIMEOUT_MILLIS = 30_000;

    /** One rank's transfer: who it is, and how long the bytes took to arrive. */
    public record Link(int rank, String executor, String host, double seconds) {
        public double mbitPerSecond() {
            return BYTES * 8.0 / 1e6 / seconds;
        }
    }

    /** Where ranks find the probe; serialisable into the barrier task. */
    public record Address(String host, int port) implements Serializable {}

    private final ServerSocket server;
    private final int ranks;
    private final ConcurrentMap<Integer, Link> links = new ConcurrentHashMap<>();
    private final Consumer<String> report;
    private final Thread acceptor;
    private volatile boolean reported;

    private LinkProbe(ServerSocket server, int ranks, Consumer<String> report) {
        this.server = server;
        this.ranks = ranks;
        this.report = report;
        this.acceptor = new Thread(this::accept, "distillery-link-probe");
        acceptor.setDaemon(true);
    }

    /**
     * Listens on {@code bindHost} for {@code ranks} ranks; once all have been timed, passes the straggler
     * report (if there is a straggler) to {@code report}.
     */
    public static LinkProbe start(String bindHost, int ranks, Consumer<String> report) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(bindHost), 0), ranks);
        LinkProbe probe = new LinkProbe(server, ranks, report);
        probe.acceptor.start();
        return probe;
    }

    /** The address ranks connect to: {@code advertisedHost} (the driver's host) and this probe's port. */
    public Address address(String advertisedHost) {
        return new Address(advertisedHost, server.getLocalPort());
    }

    /** The ranks timed so far, by rank. */
    public List<Link> links() {
        return links.values().stream()
                .sorted(Comparator.comparingInt(Link::rank))
                .toList();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread t = new Thread(() -> serve(socket), "distillery-link-probe-send");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String[] hello = Optional.ofNullable(in.readLine()).orElse("").split(" ");
            if (hello.length != 3) {
                return;
            }
            OutputStream out = socket.getOutputStream();
            byte[] chunk = new byte[64 << 10];
            long started = System.nanoTime();
            for (int sent = 0; sent < BYTES; sent += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, BYTES - sent));
            }
            out.flush();
            if (in.read() < 0) {
                return; // no acknowledgement: the rank went away
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            Link link = new Link(Integer.parseInt(hello[0]), hello[1], hello[2], seconds);
            links.put(link.rank(), link);
            LOG.info(String.format(
                    Locale.ROOT,
                    "link probe: rank %d (executor %s, %s) %.0f Mbit/s",
                    link.rank(),
                    link.executor(),
                    link.host(),
                    link.mbitPerSecond()));
            if (links.size() == ranks) {
                reportOnce();
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("link probe connection: " + e);
        }
    }

    private synchronized void reportOnce() {
        if (!reported) {
            reported = true;
            straggler(links()).ifPresent(report);
        }
    }

    /** The report naming every rank whose link is a straggler's, if any is. */
    static Optional<String> straggler(List<Link> links) {
        if (links.size() < 2) {
            return Optional.empty();
        }
        Link fastest =
                links.stream().min(Comparator.comparingDouble(Link::seconds)).orElseThrow();
        List<String> slow = new ArrayList<>();
        for (Link l : links) {
            if (l.seconds() >= SLOWER * fastest.seconds() && l.seconds() * 1000 >= MIN_SLOW_MILLIS) {
                slow.add(String.format(
                        Locale.ROOT,
                        "rank %d (executor %s, %s) at %.0f Mbit/s",
                        l.rank(),
                        l.executor(),
                        l.host(),
                        l.mbitPerSecond()));
            }
        }
        if (slow.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(String.format(
                Locale.ROOT,
                "straggler: %s reached the driver, the fastest rank at %.0f Mbit/s; every all-reduce step waits"
                        + " for the slowest link (a slow or shared network link, or a busy host); training goes on",
                String.join(", ", slow),
                fastest.mbitPerSecond()));
    }

    /**
     * On a rank: receives the probe's bytes and acknowledges them. Never throws: a rank that cannot reach
     * the probe trains as before, and is just not timed.
     */
    static void measure(Address address, int rank, String executor, String host) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address.host(), address.port()), SOCKET_TIMEOUT_MILLIS);
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write((rank + " " + executor + " " + host + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[64 << 10];
            long received = 0;
            while (received < BYTES) {
                int n = in.read(buffer);
                if (n < 0) {
                    throw new IOException("the probe closed after " + received + " bytes");
                }
                received += n;
            }
            out.write(1);
            out.flush();
        } catch (IOException e) {
            LOG.warn("rank " + rank + " could not reach the link probe at " + address + ": " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
