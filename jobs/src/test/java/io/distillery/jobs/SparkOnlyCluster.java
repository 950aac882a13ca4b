package io.distillery.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Spark standalone cluster on 127.0.0.1 whose jars are the given ones (Spark's own, for testing the
 * application jar), unlike {@code cluster.StandaloneCluster}, which runs the test classpath: a Master
 * and one Worker (and the executor JVMs it starts), run by {@code cluster-conf/standalone-cluster.sh}.
 */
final class SparkOnlyCluster implements AutoCloseable {
    final Path sparkHome;
    final int port;
    final int uiPort;
    private final Map<String, String> env;

    private SparkOnlyCluster(Path sparkHome, int port, int uiPort, Map<String, String> env) {
        this.sparkHome = sparkHome;
        this.port = port;
        this.uiPort = uiPort;
        this.env = env;
    }

    static SparkOnlyCluster start(Path sparkHome, List<Path> jars, int cores, String memory) throws Exception {
        int port = freePort();
        int uiPort = freePort();
        Map<String, String> env = Map.of(
                "DISTILLERY_SPARK_HOME", sparkHome.toString(),
                "DISTILLERY_CLASSPATH", jars.stream().map(Path::toString).collect(Collectors.joining(":")),
                "MASTER_PORT", String.valueOf(port),
                "MASTER_UI_PORT", String.valueOf(uiPort),
                "WORKER_CORES", String.valueOf(cores),
                "WORKER_MEMORY", memory);
        SparkOnlyCluster c = new SparkOnlyCluster(sparkHome, port, uiPort, env);
        String out = c.script("start", "1");
        if (!out.contains("spark://127.0.0.1:" + port)) {
            c.close();
            throw new IllegalStateException("standalone-cluster.sh start printed: " + out);
        }
        return c;
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + port;
    }

    /** The master's state (its web UI's /json): workers, running and completed applications. */
    JsonNode state() throws IOException {
        try (java.io.InputStream in =
                URI.create("http://127.0.0.1:" + uiPort + "/json/").toURL().openStream()) {
            return new ObjectMapper().readTree(in);
        }
    }

    private String script(String... args) throws IOException, InterruptedException {
        Path sh = AirflowDag.ROOT.resolve("cluster-conf/standalone-cluster.sh");
        ProcessBuilder pb = new ProcessBuilder(new java.util.ArrayList<>(List.of(sh.toString())));
        pb.command().addAll(List.of(args));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("standalone-cluster.sh " + String.join(" ", args) + " hangs");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("standalone-cluster.sh " + String.join(" ", args) + " failed:\n" + out
                    + "\n" + tail(sparkHome.resolve("logs/master.log")) + tail(sparkHome.resolve("logs/worker-1.log")));
        }
        return out;
    }

    static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        List<String> lines = Files.readAllLines(log);
        return "--- " + log + "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()))
                + "\n";
    }

    /** Stops the Worker (and its executors) and the Master. */
    @Override
    public void close() throws IOException {
        try {
            script("stop");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the cluster", e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
