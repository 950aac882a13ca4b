package io.distillery.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.jobs.StorageTestSupport;
import io.distillery.jobs.TinyJob;
import io.distillery.jobs.failure.ExitCodes;
import io.distillery.publish.testing.S3ProxyServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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

    /** The storage host's S3 server: its port, and the socket timeout S3A gives up a silent link after. */
    static final int S3_PORT = 9000;

    static final String BUCKET = "models";
    static final Duration S3_SOCKET_TIMEOUT = Duration.ofSeconds(10);
    /** The storage link's rate while a storage case publishes, so that the cut lands mid-publish. */
    static final String STORAGE_RATE = "1mbit";

    static NetnsHosts hosts;
    static StandaloneCluster cluster;
    static S3ProxyServer storage;
    static String exportedRun;
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
                        "# Partitions between hosts of one machine\n\nThe Master, two Workers, the driver and an"
                                + " S3 server (s3proxy) each in a network namespace of cluster-conf/netns-hosts.sh"
                                + " with its own address; a two-worker teacher (6000 rows, 8 epochs), the fault once"
                                + " it trains its second epoch (slow-link: from the start). storage-cut publishes a"
                                + " tiny pipeline's export over a " + STORAGE_RATE + " link and cuts the driver from"
                                + " the storage once the first file of the version is there. Timeouts:"
                                + " spark.operation_timeout_ms " + OPERATION_TIMEOUT.toMillis()
                                + ", spark.network.timeout " + NETWORK_TIMEOUT.toSeconds() + " s, fs.s3a.connection"
                                + ".timeout " + S3_SOCKET_TIMEOUT.toSeconds() + " s, at most "
                                + CASE_LIMIT.toMinutes() + " min a case.");
            }
            if (storage != null) {
                storage.close();
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
            assertFalse(run.output().contains("straggler"), "equal links, yet a straggler:\n" + run.output());
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
                    outcome = c == Case.STORAGE_CUT ? runStorageCut(runId) : run(c, runId);
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
        SLOW_LINK(
                "slow-link",
                "w1 on 100 Mbit/s from the start: reported as a straggler, exit 0 within 0.5 points of the clean run",
                2,
                true),
        STORAGE_CUT(
                "storage-cut",
                "exit 4 naming the storage address, no new version; the same publish completes once the link is back",
                1,
                false);

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
            throw new IllegalArgumentException("no partition case '" + name
                    + "'; cases: peer-cut, driver-cut, isolated-20s, slow-link," + " storage-cut");
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
                case STORAGE_CUT -> hosts.cut("driver", "storage");
            }
        }
    }

    /** Runs one case; returns what happened, or throws saying what was wrong. */
    private static String run(Case c, String runId) throws Exception {
        // A slow link is a host's from the start (a bad cable, a shared uplink); the other faults strike mid-stage.
        boolean fromStart = c == Case.SLOW_LINK;
        long fault = System.nanoTime();
        if (fromStart) {
            c.inflict(hosts);
        }
        NetnsDriver driver = start(runId, c.attempts);
        if (!driver.awaitOutput("epoch  2/", CASE_LIMIT)) {
            throw new AssertionError("training never reached epoch 2:\n" + driver.output());
        }
        if (!fromStart) {
            fault = System.nanoTime();
            c.inflict(hosts);
        }
        int code = driver.await(CASE_LIMIT);
        double afterFault = (System.nanoTime() - fault) / 1e9;
        String out = driver.output();
        hosts.healAll(); // before the clean run below
        // Each rank's TensorFlow server listened on its own host's address, as the stage recorded it.
        String placements = placements(runId);
        for (String w : List.of("w1", "w2")) {
            String addr = hosts.address(w);
            assertTrue(placements.contains("\"" + addr + ":"), w + " (" + addr + "):\n" + placements);
        }
        assertFalse(hasVersion(), "a version was published:\n" + out);
        if (c.recovers) {
            assertEquals(0, code, out);
            String straggler = out.lines()
                    .filter(l -> l.contains("straggler: "))
                    .findFirst()
                    .orElse("");
            if (c == Case.SLOW_LINK) {
                assertTrue(
                        straggler.contains("(executor ") && straggler.contains(hosts.address("w1") + ")"),
                        "w1 (" + hosts.address("w1") + ") is not reported as a straggler:\n" + out);
                assertFalse(straggler.contains(hosts.address("w2") + ")"), "w2 is not slow: " + straggler);
            }
            double accuracy = accuracy(out);
            double clean = cleanAccuracy();
            assertTrue(Math.abs(accuracy - clean) <= 0.005, "accuracy " + accuracy + " against " + clean);
            return String.format(
                    Locale.ROOT,
                    "exit 0, accuracy %s%s, %.0f s after the fault%s",
                    accuracy,
                    out.contains("attempt 2 of") ? " after a retry" : "",
                    afterFault,
                    straggler.isEmpty() ? "" : "; " + straggler.strip());
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

    /**
     * The storage cut off in the middle of a publish: the run's export goes to the S3 server on the
     * storage host over a slow link, and the driver loses the storage once the first file of the new
     * version is there. The publish must fail with the storage's exit code, naming its address, and leave
     * no version a reader would load; once the link is back, the same publish completes.
     */
    private static String runStorageCut(String runId) throws Exception {
        // The exported run's directory but its publish record: a run ready to publish.
        RunCopy.copy(tmp.resolve("runs"), exportedRun(), runId, name -> !name.equals("publish"));
        Path versions = storage.dataDir().resolve(BUCKET + "/storage/storage");
        Set<Path> before = files(versions);
        List<String> complete = completeVersions(versions);
        hosts.limit("storage", STORAGE_RATE);
        NetnsDriver driver = NetnsDriver.start(
                hosts, cluster, tmp, runId, "publish", "--conf", storageConf().toString(), "--run-id", runId);
        long deadline = System.nanoTime() + CASE_LIMIT.toNanos();
        while (files(versions).equals(before)) {
            if (!driver.process().isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the publish wrote nothing before it ended:\n" + driver.output());
            }
            Thread.sleep(20);
        }
        long fault = System.nanoTime();
        Case.STORAGE_CUT.inflict(hosts);
        int code = driver.await(CASE_LIMIT);
        double afterFault = (System.nanoTime() - fault) / 1e9;
        String out = driver.output();
        hosts.healAll();
        System.out.printf(Locale.ROOT, "%s: exit %d %.1f s after the cut%n", runId, code, afterFault);
        assertEquals(ExitCodes.STORAGE, code, out);
        String endpoint = hosts.address("storage") + ":" + S3_PORT;
        assertTrue(out.contains(endpoint), "the storage's address " + endpoint + " is not named:\n" + out);
        assertEquals(complete, completeVersions(versions), "a reader would load a new version:\n" + out);
        // Bounded: S3A gives up a silent connection after its socket timeout, once per attempt.
        Duration bound = S3_SOCKET_TIMEOUT.multipliedBy(2 * 2);
        assertTrue(afterFault <= bound.toSeconds(), "ended " + afterFault + " s after the cut, bound " + bound);
        String error = out.lines()
                .filter(l -> l.startsWith("distillery: "))
                .findFirst()
                .orElse("");

        NetnsDriver again = NetnsDriver.start(
                hosts,
                cluster,
                tmp,
                runId + "-again",
                "publish",
                "--conf",
                storageConf().toString(),
                "--run-id",
                runId);
        assertEquals(0, again.await(CASE_LIMIT), again.output());
        List<String> after = completeVersions(versions);
        assertEquals(complete.size() + 1, after.size(), "the publish after the heal adds one version: " + after);
        return String.format(
                Locale.ROOT,
                "exit %d %.0f s after the cut (bound %d s), no new version: %s; republished as version %s",
                code,
                afterFault,
                bound.toSeconds(),
                error,
                after.get(after.size() - 1));
    }

    /** A run with an export to publish, trained once on the cluster and published over a healthy link. */
    static String exportedRun() throws Exception {
        if (exportedRun == null) {
            storage = S3ProxyServer.start(
                    tmp.resolve("storage"), hosts.address("storage"), S3_PORT, cmd -> hosts.on("storage", cmd));
            storage.createBucket(BUCKET);
            long started = System.nanoTime();
            NetnsDriver run = NetnsDriver.start(
                    hosts,
                    cluster,
                    tmp,
                    "exported",
                    "pipeline",
                    "--conf",
                    storageConf().toString(),
                    "--run-id",
                    "exported");
            assertEquals(0, run.await(CASE_LIMIT), run.output());
            rows.add(ClusterFaultRow.of(
                    "storage-clean", "exit 0, version 1 on the storage host", "exit 0", started, true));
            exportedRun = "exported";
        }
        return exportedRun;
    }

    /** The storage cases' job: a tiny pipeline on the cluster publishing to the storage host's S3. */
    static Path storageConf() throws IOException {
        Path conf = tmp.resolve("storage.yaml");
        List<String> lines = new ArrayList<>(List.of(
                "name: storage",
                "run_dir: " + tmp.resolve("runs"),
                "data:",
                "  limit: 1200",
                "  test_limit: 1000",
                "spark:",
                "  workers: 2",
                "  conf:",
                "    spark.executor.memory: 1g",
                "    spark.barrier.sync.timeout: \"120\"",
                "    spark.executor.extraClassPath: \"" + cluster.executorClassPath() + "\""));
        Map<String, String> s3a =
                new java.util.TreeMap<>(StorageTestSupport.programmatic(storage.s3aConfiguration(), "fs.s3a."));
        s3a.put("fs.s3a.connection.timeout", S3_SOCKET_TIMEOUT.toSeconds() + "s");
        s3a.put("fs.s3a.attempts.maximum", "1");
        s3a.put("fs.s3a.retry.limit", "1");
        s3a.forEach((k, v) -> lines.add("    spark.hadoop." + k + ": '" + v + "'"));
        lines.addAll(TinyJob.MODELS);
        lines.addAll(List.of("export:", "  latency_calls: 20"));
        lines.addAll(List.of("publish:", "  base_path: s3a://" + BUCKET + "/storage", "  stale_age: 2h", ""));
        Files.writeString(conf, String.join("\n", lines));
        return conf;
    }

    /** Version directories under {@code versions} that hold a manifest, which S3 readers load. */
    static List<String> completeVersions(Path versions) throws IOException {
        if (!Files.isDirectory(versions)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(versions)) {
            return dirs.filter(d -> d.getFileName().toString().matches("[0-9]+"))
                    .filter(d -> Files.isRegularFile(d.resolve("manifest.json")))
                    .map(d -> d.getFileName().toString())
                    .sorted(java.util.Comparator.comparingLong(Long::parseLong))
                    .toList();
        }
    }

    static Set<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).collect(java.util.stream.Collectors.toSet());
        }
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
