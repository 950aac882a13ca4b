package io.distillery.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LinkProbeTest {

    @Test
    void aRankThatReadsSlowlyIsNamedAndAFastOneIsNot() throws Exception {
        CompletableFuture<String> report = new CompletableFuture<>();
        try (LinkProbe probe = LinkProbe.start("127.0.0.1", 2, report::complete)) {
            LinkProbe.Address address = probe.address("127.0.0.1");
            LinkProbe.measure(address, 0, "7", "10.0.0.1");
            slowRank(address, 1, "8", "10.0.0.2");
            String text = report.get(30, TimeUnit.SECONDS);
            assertTrue(text.startsWith("straggler: rank 1 (executor 8, 10.0.0.2) at "), text);
            assertFalse(text.contains("rank 0 ("), text);
            List<LinkProbe.Link> links = probe.links();
            assertEquals(List.of(0, 1), links.stream().map(LinkProbe.Link::rank).toList());
            assertTrue(links.get(1).seconds() > 4 * links.get(0).seconds(), links.toString());
        }
    }

    @Test
    void ranksOnEqualLinksAreNotReported() throws Exception {
        CompletableFuture<String> report = new CompletableFuture<>();
        try (LinkProbe probe = LinkProbe.start("127.0.0.1", 2, report::complete)) {
            LinkProbe.Address address = probe.address("127.0.0.1");
            slowRank(address, 0, "1", "10.0.0.1");
            slowRank(address, 1, "2", "10.0.0.2");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (probe.links().size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(2, probe.links().size(), "both ranks timed");
            assertFalse(report.isDone(), () -> "reported: " + report.join());
        }
    }

    @Test
    void theReportNeedsARatioAndAnAbsoluteDelay() {
        LinkProbe.Link fast = new LinkProbe.Link(0, "1", "a", 0.005);
        assertEquals(Optional.empty(), LinkProbe.straggler(List.of(fast)), "one rank has no peer to lag");
        assertEquals(
                Optional.empty(),
                LinkProbe.straggler(List.of(fast, new LinkProbe.Link(1, "2", "b", 0.03))),
                "6x slower but 30 ms: a hiccup, not a link");
        assertEquals(
                Optional.empty(),
                LinkProbe.straggler(
                        List.of(new LinkProbe.Link(0, "1", "a", 0.2), new LinkProbe.Link(1, "2", "b", 0.5))),
                "2.5x slower: within what shared links vary");
        String report = LinkProbe.straggler(List.of(fast, new LinkProbe.Link(1, "2", "b", 0.67)))
                .orElseThrow();
        assertTrue(report.contains("rank 1 (executor 2, b) at 100 Mbit/s"), report);
    }

    @Test
    void aRankThatCannotReachTheProbeTrainsOn() throws Exception {
        LinkProbe probe = LinkProbe.start("127.0.0.1", 1, r -> {});
        LinkProbe.Address address = probe.address("127.0.0.1");
        probe.close();
        LinkProbe.measure(address, 0, "1", "a"); // logs, does not throw
        assertEquals(List.of(), probe.links());
    }

    @Test
    void hundredsOfAttemptsLeaveNoProbeThreadBehind() throws Exception {
        for (int attempt = 0; attempt < 200; attempt++) {
            try (LinkProbe probe = LinkProbe.start("127.0.0.1", 2, r -> {})) {
                LinkProbe.Address address = probe.address("127.0.0.1");
                LinkProbe.measure(address, 0, "1", "a");
                LinkProbe.measure(address, 1, "2", "b");
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long left;
        do {
            left = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("distillery-link-probe"))
                    .count();
            Thread.sleep(50);
        } while (left > 0 && System.nanoTime() < deadline);
        assertEquals(0, left, "probe threads alive after 200 closed probes");
    }

    /** A rank on a slow link: the probe's bytes arrive at about 50 Mbit/s. */
    private static void slowRank(LinkProbe.Address address, int rank, String executor, String host) throws Exception {
        CompletableFuture.runAsync(() -> {
            try (Socket socket = new Socket(address.host(), address.port())) {
                OutputStream out = socket.getOutputStream();
                out.write((rank + " " + executor + " " + host + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                InputStream in = socket.getInputStream();
                byte[] buffer = new byte[64 << 10];
                for (long received = 0; received < LinkProbe.BYTES; ) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        throw new java.io.EOFException("probe closed at " + received);
                    }
                    received += n;
                    Thread.sleep(n / 6_000); // ~6 MB/s
                }
                out.write(1);
                out.flush();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
