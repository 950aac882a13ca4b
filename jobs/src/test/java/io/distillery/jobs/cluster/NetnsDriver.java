package io.distillery.jobs.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/distillery} run on the driver host of {@link NetnsHosts}, against a {@link
 * StandaloneCluster} on the same hosts, its output in a file. The job config must give the cluster's
 * {@link StandaloneCluster#executorClassPath()} as {@code spark.executor.extraClassPath}.
 */
public record NetnsDriver(Process process, Path log) {

    /** Starts {@code bin/distillery <args> --set spark.master=<the cluster>} on the driver host. */
    public static NetnsDriver start(
            NetnsHosts hosts, StandaloneCluster cluster, Path logDir, String name, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(StandaloneCluster.repoRoot().resolve("bin/distillery").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--set", "spark.master=" + cluster.masterUrl()));
        ProcessBuilder pb = hosts.on("driver", cmd);
        pb.environment().put("SPARK_LOCAL_IP", hosts.address("driver"));
        pb.environment().put("DISTILLERY_JAVA_OPTS", "-Xmx1g");
        pb.environment().put("DISTILLERY_LOG_DIR", logDir.resolve("driver-logs").toString());
        Files.createDirectories(logDir);
        Path log = logDir.resolve("driver-" + name + ".out");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return new NetnsDriver(pb.start(), log);
    }

    /** The exit code; the driver is killed, and an AssertionError says it hung, if it outlives {@code limit}. */
    public int await(Duration limit) throws InterruptedException, IOException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("the driver hung: still running after " + limit + "\n" + output());
        }
        return process.exitValue();
    }

    /** Waits until the output holds {@code text}; false if the driver ended or time ran out first. */
    public boolean awaitOutput(String text, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (output().contains(text)) {
                return true;
            }
            if (!process.isAlive()) {
                return false;
            }
            Thread.sleep(200);
        }
        return false;
    }

    /** What the driver printed so far (bytes that are not UTF-8, e.g. from native code, replaced). */
    public String output() throws IOException {
        return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    }
}
