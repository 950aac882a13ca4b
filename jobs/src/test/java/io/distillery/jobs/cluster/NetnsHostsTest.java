package io.distillery.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The hosts harness on its own: addresses, cuts and limits, and cleanup after a test that fails. */
class NetnsHostsTest {
    static final String PREFIX = "dnt";

    @Test
    void aFailingTestStillLeavesNoNamespaceAndNoProcessBehind() throws Exception {
        Process[] server = new Process[1];
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> {
            try (NetnsHosts hosts = NetnsHosts.up(PREFIX, 2)) {
                assertEquals("10.213.0.11", hosts.address("w1"));
                assertEquals(6, hosts.namespaces().size(), hosts.namespaces().toString());
                // A server on w2 that w1 reaches, then cannot once they are cut, and again once healed.
                server[0] = hosts.on("w2", List.of("python3", "-c", SERVER)).start();
                assertEquals("hi", connect(hosts, "w1"));
                hosts.cut("w1", "w2");
                assertTrue(connect(hosts, "w1").startsWith("error"), "a cut link still connects");
                assertEquals("hi", connect(hosts, "driver"), "a cut between w1 and w2 cut the driver off too");
                hosts.healAll();
                assertEquals("hi", connect(hosts, "w1"));
                hosts.limit("w1", "100mbit");
                assertEquals("hi", connect(hosts, "w1"));
                throw new IllegalStateException("the test failed here, with its hosts and a server up");
            }
        });
        assertEquals("the test failed here, with its hosts and a server up", failure.getMessage());
        assertTrue(server[0].waitFor(10, TimeUnit.SECONDS), "the server in a namespace outlived its hosts");
        ProcessBuilder list = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true);
        String left = new String(list.start().getInputStream().readAllBytes());
        assertFalse(left.contains(PREFIX + "-"), "namespaces left: " + left);
    }

    /** Listens on w2's address, port 5000, and says "hi" to whoever connects. */
    static final String SERVER = String.join(
            "\n",
            "import socket",
            "s = socket.socket()",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('10.213.0.12', 5000))",
            "s.listen()",
            "while True:",
            "    c, _ = s.accept()",
            "    c.sendall(b'hi')",
            "    c.close()");

    /** What host {@code from} reads from the server, or "error: ..." (3 s at most, after a 5 s wait for it to listen). */
    static String connect(NetnsHosts hosts, String from) throws Exception {
        String client = String.join(
                "\n",
                "import socket, time",
                "for i in range(50):",
                "    try:",
                "        s = socket.create_connection(('10.213.0.12', 5000), timeout=3)",
                "        print(s.recv(10).decode()); break",
                "    except ConnectionRefusedError:",
                "        time.sleep(0.1)",
                "    except OSError as e:",
                "        print('error: ' + repr(e)); break");
        Process p = hosts.on(from, List.of("python3", "-c", client))
                .redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(15, TimeUnit.SECONDS), "the client hung");
        return new String(p.getInputStream().readAllBytes()).strip();
    }
}
