package io.distillery.jobs.cluster;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark standalone cluster for tests, started by the same script users run
 * ({@code cluster-conf/standalone-cluster.sh}): a Master and W Workers on 127.0.0.1, each a separate
 * JVM, executors separate JVMs too. Its SPARK_HOME links the jars of this test JVM's classpath, so the
 * cluster runs exactly the classes under test; class directories go on the executors' classpath.
 * {@link #close()} stops every JVM it started (workers, their executors, the master), even after a
 * failure.
 */
public final class StandaloneCluster implements AutoCloseable {
    private final Path home;
    private final Path script;
    private final Map<String, String> env;
    private final String masterUrl;
    private final String classDirs;
    private final List<ProcessHandle> daemons = new ArrayList<>();

    private StandaloneCluster(Path home, Path script, Map<String, String> env, String masterUrl, String classDirs) {
        this.home = home;
        this.script = script;
        this.env = env;
        this.masterUrl = masterUrl;
        this.classDirs = classDirs;
    }

    /** Starts a master and {@code workers} workers (one core, 2 GiB each) with SPARK_HOME in {@code home}. */
    public static StandaloneCluster start(Path home, int workers) throws IOException, InterruptedException {
        return start(home, workers, Map.of());
    }

    /**
     * As {@link #start(Path, int)}, with more of the script's settings, e.g. {@code WORKER_CPUS} to pin
     * each worker to a core of its own.
     */
    public static StandaloneCluster start(Path home, int workers, Map<String, String> settings)
            throws IOException, InterruptedException {
        Path script = repoRoot().resolve("cluster-conf/standalone-cluster.sh");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> dirs = new ArrayList<>();
        for (String e : cp.split(File.pathSeparator)) {
            if (!e.isBlank() && Files.isDirectory(Path.of(e))) {
                dirs.add(Path.of(e).toAbsolutePath().toString());
            }
        }
        Map<String, String> env = new java.util.HashMap<>(settings);
        env.putAll(Map.of(
                "DISTILLERY_SPARK_HOME",
                home.toAbsolutePath().toString(),
                "DISTILLERY_CLASSPATH",
                cp,
                "MASTER_PORT",
                String.valueOf(freePort()),
                "MASTER_UI_PORT",
                String.valueOf(freePort()),
                "WORKER_CORES",
                "1",
                "WORKER_MEMORY",
                "2g"));
        StandaloneCluster cluster =
                new StandaloneCluster(home, script, env, null, String.join(File.pathSeparator, dirs));
        String out;
        try {
            out = cluster.script("start", String.valueOf(workers));
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        String url = out.lines()
                .filter(l -> l.startsWith("spark://"))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException("no master URL from the start script:\n" + out));
        StandaloneCluster started = new StandaloneCluster(home, script, env, url, cluster.classDirs);
        started.daemons.addAll(started.pids());
        return started;
    }

    public String masterUrl() {
        return masterUrl;
    }

    /** The class directories under test, for {@code spark.executor.extraClassPath} of a driver elsewhere. */
    public String executorClassPath() {
        return classDirs;
    }

    /** A driver in this JVM for the cluster: one-core executors with 1 GiB of heap. */
    public SparkSession session(String appName, Map<String, String> extra) {
        SparkSession.Builder b = SparkSession.builder()
                .master(masterUrl)
                .appName(appName)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.executor.cores", "1")
                .config("spark.executor.memory", "1g")
                .config("spark.executor.extraClassPath", classDirs)
                .config("spark.executorEnv.TF_CPP_MIN_LOG_LEVEL", "2")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.dynamicAllocation.enabled", "false")
                .config("spark.barrier.sync.timeout", "300");
        extra.forEach(b::config);
        return b.getOrCreate();
    }

    /** Executor JVMs running now (children of the workers). */
    public List<ProcessHandle> executors() {
        List<ProcessHandle> out = new ArrayList<>();
        for (ProcessHandle d : daemons) {
            d.descendants()
                    .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                    .forEach(out::add);
        }
        return out;
    }

    /** Peak resident memory (VmHWM) of a process, in bytes, or -1. */
    public static long peakRss(long pid) {
        long kb = procStatus(pid, "VmHWM:");
        return kb < 0 ? -1 : kb * 1024;
    }

    /** A number from {@code /proc/<pid>/status} (kB for memory, e.g. "VmRSS:", or "Threads:"), or -1. */
    public static long procStatus(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone, or not Linux
        }
        return -1;
    }

    private List<ProcessHandle> pids() throws IOException {
        List<ProcessHandle> out = new ArrayList<>();
        Path run = home.resolve("run");
        if (!Files.isDirectory(run)) {
            return out;
        }
        try (Stream<Path> files = Files.list(run)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
                Optional<ProcessHandle> p =
                        ProcessHandle.of(Long.parseLong(Files.readString(f).trim()));
                p.ifPresent(out::add);
            }
        }
        return out;
    }

    private String script(String... args) throws IOException, InterruptedException {
        return ConfScript.run(script, env, java.time.Duration.ofMinutes(5), args);
    }

    /** Stops the cluster with the script, then makes sure every JVM it started is gone. */
    @Override
    public void close() throws IOException, InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(daemons);
        all.addAll(pids());
        List<ProcessHandle> children = new ArrayList<>();
        for (ProcessHandle d : all) {
            d.descendants().forEach(children::add);
        }
        try {
            script("stop");
        } finally {
            for (ProcessHandle p : children) {
                p.destroyForcibly();
            }
            for (ProcessHandle p : all) {
                p.destroyForcibly();
            }
            for (ProcessHandle p : children) {
                try {
                    p.onExit().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    System.err.println("standalone cluster: process " + p.pid() + " did not exit: " + e);
                }
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The checkout's root: where {@code cluster-conf/} is (tests run in {@code jobs/}). */
    public static Path repoRoot() {
        String prop = System.getProperty("distillery.root");
        if (prop != null && Files.isDirectory(Path.of(prop, "cluster-conf"))) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("cluster-conf/standalone-cluster.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find cluster-conf/standalone-cluster.sh above "
                + Path.of("").toAbsolutePath());
    }
}
