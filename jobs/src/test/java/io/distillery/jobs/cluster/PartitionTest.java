package io.distillery.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.jobs.failure.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training across hosts that have their own network: the Master, two Workers and the
 * driver each in a network namespace of {@code cluster-conf/netns-hosts.sh}, with their own
 * addresses, so that a link between two of them can be cut while a stage trains. The driver is
 * {@code bin/distillery} run on its host. Every case is bounded in time, and the harness checks that
 * it leaves no namespace behind.
 */
class PartitionTest {
    static final String PREFIX = "dpt";
    static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(20);
    static final Duration NETWORK_TIMEOUT = Duration.ofSeconds(30);
    /** What a case may take at most: twice what its timeouts allow for two attempts, plus training. */
    static final Duration CASE_LIMIT = Duration.ofMinutes(5);

    @TempDir
    static Path tmp;

    static NetnsHosts hosts;
    static StandaloneCluster cluster;
    static double clean;
    static final List<ClusterFaultRow> rows = new ArrayList<>();

    @BeforeAll
    static void startHostsAndCluster() throws Exception {
        hosts = NetnsHosts.up(PREFIX, 2);
        cluster = StandaloneCluster.start(tmp.resolve("spark-home"), 2, Map.of("NETNS_PREFIX", PREFIX));
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            if (Boolean.getBoolean("partitions.write")) {
                ClusterFaultRow.write(
                        rows,
                        "bench/partitions.sh " + Integer.getInteger("partitions.runs", 1),
                        StandaloneCluster.repoRoot().resolve("bench/results"),
                        "partitions",
                        "# Partitions between hosts of one machine\n\nThe Master, two Workers and the driver each in"
                                + " a network namespace of cluster-conf/netns-hosts.sh with its own address; a"
                                + " two-worker teacher (6000 rows, 8 epochs), the fault once it trains its second"
                                + " epoch. Timeouts: spark.operation_timeout_ms " + OPERATION_TIMEOUT.toMillis()
                                + ", spark.network.timeout " + NETWORK_TIMEOUT.toSeconds() + " s, at most "
                                + CASE_LIMIT.toMinutes() + " min a case.");
            }
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (hosts != null) {
                hosts.close(); // fails if a namespace is left
            }
        }
    }

    /** The teacher's accuracy without a fault: run once, when a case that recovers needs it. */
    static double cleanAccuracy() throws Exception {
        if (clean == 0) {
            long started = System.nanoTime();
            NetnsDriver run = start("clean", 2);
            assertEquals(0, run.await(CASE_LIMIT), run.output());
            clean = accuracy(run.output());
            rows.add(ClusterFaultRow.of("clean", "exit 0", "exit 0, accuracy " + clean, started, true));
        }
        return clean;
    }

    /**
     * The cases in {@code -Dpartitions.cases} (default: a cut between the two workers), each run
     * {@code -Dpartitions.runs} times (default 1); {@code bench/partitions.sh} runs them all 5 times.
     */
    @Test
    void eachPartitionEndsInRecoveryOrAFailureNamingTheRankAndAddressNeverInAHang() throws Exception {
        assertTrue(cluster.masterUrl().contains(hosts.address("master")), cluster.masterUrl());
        List<String> names =
                List.of(System.getProperty("partitions.cases", "peer-cut").split(","));
        int runs = Integer.getInteger("partitions.runs", 1);
        List<String> failures = new ArrayList<>();
        for (String name : names) {
            Case c = Case.named(name.strip());
            for (int i = 1; i <= runs; i++) {
                String runId = c.name + "-" + i;
                long started = System.nanoTime();
                String outcome;
                boolean pass;
                try {
                    outcome = run(c, runId);
                    pass = true;
                } catch (AssertionError | Exception e) {
                    outcome = String.valueOf(e.getMessage()).lines().findFirst().orElse("") + " (" + runId + ")";
                    pass = false;
                    failures.add(runId + ": " + e);
                    e.printStackTrace(System.out);
                } finally {
                    hosts.healAll();
                }
                rows.add(ClusterFaultRow.of(runId, c.expected, outcome, started, pass));
            }
        }
        System.out.println(ClusterFaultRow.table(rows));
        assertTrue(failures.isEmpty(), String.join("\n\n", failures));
    }

    /** A fault: what is done to the network once the teacher trains, and how the run must end. */
    enum Case {
        // A cut that stays fails every attempt alike: one attempt shows how it ends.
        PEER_CUT("peer-cut", "1 attempt: exit 5 naming both ranks and addresses", 1, false),
        DRIVER_CUT("driver-cut", "1 attempt: exit 5 naming w1's rank and address", 1, false),
        ISOLATED_20S("isolated-20s", "2 attempts: exit 0, within 0.5 points of the clean run", 2, true),
        SLOW_LINK("slow-link", "2 attempts: exit 0 at 100 Mbit/s, within 0.5 points of the clean run", 2, true);

        final String name;
        final String expected;
        final int attempts;
        final boolean recovers;

        Case(String name, String expected, int attempts, boolean recovers) {
            this.name = name;
            this.expected = expected;
            this.attempts = attempts;
            this.recovers = recovers;
        }

        static Case named(String name) {
            for (Case c : values()) {
                if (c.name.equals(name)) {
                    return c;
                }
            }
            throw new IllegalArgumentException(
                    "no partition case '" + name + "'; cases: peer-cut, driver-cut," + " isolated-20s, slow-link");
        }

        void inflict(NetnsHosts hosts) throws Exception {
            switch (this) {
                case PEER_CUT -> hosts.cut("w1", "w2");
                case DRIVER_CUT -> hosts.cut("w1", "driver");
                case ISOLATED_20S -> {
                    hosts.isolate("w1");
                    Thread.sleep(20_000);
                    hosts.rejoin("w1");
                }
                case SLOW_LINK -> hosts.limit("w1", "100mbit");
            }
        }
    }

    /** Runs one case; returns what happened, or throws saying what was wrong. */
    private static String run(Case c, String runId) throws Exception {
        NetnsDriver driver = start(runId, c.attempts);
        if (!driver.awaitOutput("epoch  2/", CASE_LIMIT)) {
            throw new AssertionError("training never reached epoch 2:\n" + driver.output());
        }
        long fault = System.nanoTime();
        c.inflict(hosts);
        int code = driver.await(CASE_LIMIT);
        double afterFault = (System.nanoTime() - fault) / 1e9;
        String out = driver.output();
        // Each rank's TensorFlow server listened on its own host's address, as the stage recorded it.
        String placements = placements(runId);
        for (String w : List.of("w1", "w2")) {
            String addr = hosts.address(w);
            assertTrue(placements.contains("\"" + addr + ":"), w + " (" + addr + "):\n" + placements);
        }
        assertFalse(hasVersion(), "a version was published:\n" + out);
        if (c.recovers) {
            assertEquals(0, code, out);
            double accuracy = accuracy(out);
            double clean = cleanAccuracy();
            assertTrue(Math.abs(accuracy - clean) <= 0.005, "accuracy " + accuracy + " against " + clean);
            return String.format(
                    Locale.ROOT,
                    "exit 0, accuracy %s%s, %.0f s after the fault",
                    accuracy,
                    out.contains("attempt 2 of") ? " after a retry" : "",
                    afterFault);
        }
        assertEquals(ExitCodes.TRAINING, code, out);
        String error = out.lines()
                .filter(l -> l.startsWith("distillery: "))
                .findFirst()
                .orElse("");
        List<String> named = c == Case.PEER_CUT ? List.of("w1", "w2") : List.of("w1");
        for (String host : named) {
            assertTrue(out.contains(hosts.address(host) + ":"), host + "'s address is not named:\n" + out);
        }
        assertTrue(out.contains("rank "), "no rank named:\n" + out);
        // Bounded: over within twice the timeout that detects this fault.
        Duration bound = (c == Case.PEER_CUT ? OPERATION_TIMEOUT : NETWORK_TIMEOUT).multipliedBy(2);
        assertTrue(afterFault <= bound.toSeconds(), "ended " + afterFault + " s after the fault, bound " + bound);
        return String.format(
                Locale.ROOT,
                "exit %d %.0f s after the fault (bound %d s): %s",
                code,
                afterFault,
                bound.toSeconds(),
                error);
    }

    /** {@code bin/distillery teacher} of a case on the driver's host. */
    static NetnsDriver start(String runId, int attempts) throws IOException, InterruptedException {
        return NetnsDriver.start(
                hosts,
                cluster,
                tmp,
                runId,
                "teacher",
                "--conf",
                conf(runId, attempts).toString(),
                "--run-id",
                runId);
    }

    /** The job config of a case: a small teacher, a few hundred steps, short timeouts. */
    static Path conf(String name, int attempts) throws IOException {
        Path conf = tmp.resolve(name + ".yaml");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "name: " + name,
                        "run_dir: " + tmp.resolve("runs"),
                        "data:",
                        "  limit: 6000",
                        "  test_limit: 2000",
                        "spark:",
                        "  workers: 2",
                        "  checkpoint_every_steps: 10",
                        "  operation_timeout_ms: " + OPERATION_TIMEOUT.toMillis(),
                        "  max_attempts: " + attempts,
                        "  conf:",
                        "    spark.network.timeout: " + NETWORK_TIMEOUT.toSeconds() + "s",
                        "    spark.network.timeoutInterval: 5s",
                        "    spark.executor.heartbeatInterval: 3s",
                        "    spark.executor.memory: 1g",
                        "    spark.barrier.sync.timeout: \"120\"",
                        // bin/distillery's own jars are the cluster's; the class directories under test are not.
                        "    spark.executor.extraClassPath: \"" + cluster.executorClassPath() + "\"",
                        "teacher:",
                        "  layers: [flatten, 'dense(64,relu)', 'dense(10)']",
                        "  epochs: 8",
                        "  batch_size: 32",
                        "publish:",
                        "  base_path: " + tmp.resolve("models"),
                        ""));
        return conf;
    }

    /** The teacher's test accuracy the driver printed. */
    static double accuracy(String output) {
        Matcher m = Pattern.compile("teacher test accuracy ([0-9.]+)").matcher(output);
        assertTrue(m.find(), "no test accuracy in:\n" + output);
        return Double.parseDouble(m.group(1));
    }

    /** Whether anything was published under the model base path. */
    static boolean hasVersion() throws IOException {
        Path models = tmp.resolve("models");
        if (!Files.isDirectory(models)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(models)) {
            return files.anyMatch(Files::isRegularFile);
        }
    }

    /** The teacher stage's placement records of a run: where each rank of each attempt ran. */
    static String placements(String runId) throws IOException {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> files = Files.list(tmp.resolve("runs/" + runId + "/teacher/workers"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().matches("attempt-.*\\.json"))
                    .sorted()
                    .toList()) {
                out.append(f.getFileName())
                        .append(": ")
                        .append(Files.readString(f))
                        .append('\n');
            }
        }
        return out.toString();
    }
}
