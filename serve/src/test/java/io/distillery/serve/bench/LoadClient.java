package io.distillery.serve.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark's client, run as its own JVM: {@code concurrency} threads, each with one keep-alive
 * HTTP/1.1 connection, POST the same body back to back (closed loop) for a warm-up and then a measured
 * window, and print one JSON line of {@link LatencyStats}. Bounded in time and in requests, and it
 * talks to 127.0.0.1 only.
 *
 * <p>It writes prepared request bytes and reads each response by its {@code Content-Length}: a client
 * this lean leaves the shared cores to the server (the JDK's HttpClient costs about as much CPU per
 * request as the server does, and wrk's latency figures were not self-consistent on this machine).
 *
 * <pre>{@code LoadClient <url> <body-file> <concurrency> <warmup-seconds> <seconds>}</pre>
 */
public final class LoadClient {
    /** Per thread, at most this many requests are sent. */
    static final int MAX_REQUESTS_PER_THREAD = 5_000_000;

    private LoadClient() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: LoadClient <url> <body-file> <concurrency> <warmup-seconds> <seconds>");
            System.exit(2);
        }
        URI url = URI.create(args[0]);
        if (!"127.0.0.1".equals(url.getHost())) {
            throw new IllegalArgumentException("the benchmark client only talks to 127.0.0.1, found " + url.getHost());
        }
        byte[] body = Files.readAllBytes(Path.of(args[1]));
        int concurrency = Integer.parseInt(args[2]);
        double warmup = Double.parseDouble(args[3]);
        double seconds = Double.parseDouble(args[4]);
        byte[] head = ("POST " + url.getRawPath() + " HTTP/1.1\r\nHost: 127.0.0.1:" + url.getPort()
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);

        long start = System.nanoTime();
        long measureFrom = start + (long) (warmup * 1e9);
        long measureUntil = measureFrom + (long) (seconds * 1e9);
        AtomicLong errors = new AtomicLong();
        long[][] latencies = new long[concurrency][];
        int[] counts = new int[concurrency];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            int me = t;
            Thread thread = new Thread(
                    () -> {
                        long[] mine = new long[1 << 16];
                        Connection connection = null;
                        for (int i = 0; i < MAX_REQUESTS_PER_THREAD; i++) {
                            long sent = System.nanoTime();
                            if (sent >= measureUntil) {
                                break;
                            }
                            boolean ok;
                            try {
                                if (connection == null) {
                                    connection = new Connection(url.getPort());
                                }
                                ok = connection.exchange(request) == 200;
                                if (!connection.keepAlive) {
                                    connection.close();
                                    connection = null;
                                }
                            } catch (IOException e) {
                                ok = false;
                                if (connection != null) {
                                    connection.close();
                                    connection = null;
                                }
                            }
                            long done = System.nanoTime();
                            if (sent >= measureFrom && done <= measureUntil) {
                                if (!ok) {
                                    errors.incrementAndGet();
                                    continue;
                                }
                                if (counts[me] == mine.length) {
                                    mine = Arrays.copyOf(mine, mine.length * 2);
                                }
                                mine[counts[me]++] = done - sent;
                            }
                        }
                        if (connection != null) {
                            connection.close();
                        }
                        latencies[me] = mine;
                    },
                    "load-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < concurrency; t++) {
            System.arraycopy(latencies[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        System.out.println(new ObjectMapper()
                .writeValueAsString(
                        LatencyStats.of(all, total, errors.get(), seconds).toMap()));
    }

    /** One keep-alive connection; reads responses by Content-Length. */
    private static final class Connection {
        private final Socket socket;
        private final OutputStream out;
        private final BufferedInputStream in;
        private final byte[] line = new byte[8192];
        boolean keepAlive = true;

        Connection(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(30_000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        }

        /** Sends {@code request}, reads the whole response, returns its status. */
        int exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String status = readLine();
            if (!status.startsWith("HTTP/1.1 ")) {
                throw new IOException("not an HTTP/1.1 response: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            for (String header = readLine(); !header.isEmpty(); header = readLine()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, colon).trim();
                String value = header.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                    keepAlive = false;
                }
            }
            if (length < 0) {
                throw new IOException("response without Content-Length");
            }
            in.skipNBytes(length); // throws EOFException when the body is cut short
            return code;
        }

        private String readLine() throws IOException {
            int n = 0;
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                if (b != '\r' && n < line.length) {
                    line[n++] = (byte) b;
                }
            }
            return new String(line, 0, n, StandardCharsets.US_ASCII);
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing after a failure: nothing left to do
            }
        }
    }
}
