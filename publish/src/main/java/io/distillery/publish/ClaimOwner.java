package io.distillery.publish;

import java.net.InetAddress;
import java.time.Instant;
import java.util.Optional;

/**
 * The publisher a claim names: host, pid and process start time (a pid alone may be reused), so that a
 * later publisher on the same host can tell that the claim's publisher is gone. A claim holds the run id
 * on its first line and {@link #line()} on its second.
 */
record ClaimOwner(String host, long pid, long startMillis) {

    private static final ClaimOwner CURRENT =
            new ClaimOwner(localHost(), ProcessHandle.current().pid(), startMillis(ProcessHandle.current()));

    /** This process. */
    static ClaimOwner current() {
        return CURRENT;
    }

    /** The owner in a claim's text; empty for a claim without one (written by an older publisher). */
    static Optional<ClaimOwner> parse(String claimText) {
        String[] lines = claimText.split("\n");
        if (lines.length < 2) {
            return Optional.empty();
        }
        String[] fields = lines[1].trim().split(" ");
        try {
            return fields.length == 3
                    ? Optional.of(new ClaimOwner(fields[0], Long.parseLong(fields[1]), Long.parseLong(fields[2])))
                    : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** {@code <host> <pid> <start>}: a claim's second line. */
    String line() {
        return host + " " + pid + " " + startMillis;
    }

    /** Whether this owner was a process of this host that no longer runs. */
    boolean goneFromThisHost() {
        return host.equals(CURRENT.host)
                && !ProcessHandle.of(pid)
                        .filter(ProcessHandle::isAlive)
                        .map(p -> startMillis(p) == startMillis)
                        .orElse(false);
    }

    @Override
    public String toString() {
        return "process " + pid + " on " + host;
    }

    private static long startMillis(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    private static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostName().replace(' ', '_');
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }
}
