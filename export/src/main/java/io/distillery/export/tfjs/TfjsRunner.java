package io.distillery.export.tfjs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a TF.js layers model in Node with {@code @tensorflow/tfjs} (pure JS, CPU backend), independently
 * of the code that wrote it: how tests prove {@link TfjsWriter} and how the pipeline can measure the
 * format's accuracy where Node is installed.
 *
 * <p>{@code nodeProject} is a directory holding {@code package.json}, {@code package-lock.json} and
 * {@value #SCRIPT} (in this repository: {@code export/src/test/node}); {@link #install} runs {@code npm
 * ci} there when {@code node_modules} is missing. The script loads {@code model.json} through a small
 * file-reading IO handler (the pure JS package has no {@code file://} loader) with strict weight
 * loading, so a weight name that does not match its layer fails the run.
 */
public final class TfjsRunner {
    public static final String SCRIPT = "predict.cjs";
    /** The system property naming the Node project of the runner that the pipeline uses. */
    public static final String PROJECT_PROPERTY = "distillery.tfjs.runner";

    private static final long NPM_TIMEOUT_MINUTES = 10;
    private static final long NODE_TIMEOUT_MINUTES = 5;

    private final Path project;

    public TfjsRunner(Path nodeProject) {
        this.project = nodeProject.toAbsolutePath();
        for (String file : List.of("package.json", "package-lock.json", SCRIPT)) {
            if (!Files.isRegularFile(project.resolve(file))) {
                throw new IllegalArgumentException(
                        "TF.js runner: expected " + file + " in " + project + ", found none");
            }
        }
    }

    /**
     * Why a runner at {@code nodeProject} could not run now, or null if it can: the project's files,
     * {@code node_modules/@tensorflow/tfjs} already installed (nothing is fetched), and {@code node} on the
     * PATH. How the pipeline decides whether to measure the TF.js export's accuracy.
     */
    public static String unavailable(Path nodeProject) {
        if (nodeProject == null) {
            return "no TF.js runner configured (bin/distillery sets -D" + PROJECT_PROPERTY + ")";
        }
        for (String file : List.of("package.json", "package-lock.json", SCRIPT)) {
            if (!Files.isRegularFile(nodeProject.resolve(file))) {
                return "no " + file + " in " + nodeProject;
            }
        }
        if (!Files.isDirectory(nodeProject.resolve("node_modules/@tensorflow/tfjs"))) {
            return "@tensorflow/tfjs is not installed: run `npm ci` in " + nodeProject;
        }
        try {
            Process p = new ProcessBuilder("node", "--version")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return "`node --version` failed";
            }
        } catch (IOException e) {
            return "Node.js is not installed (no `node` on the PATH)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while looking for Node.js";
        }
        return null;
    }

    /** Runs {@code npm ci} unless {@code node_modules/@tensorflow/tfjs} is already installed. */
    public synchronized void install() throws IOException {
        if (Files.isDirectory(project.resolve("node_modules/@tensorflow/tfjs"))) {
            return;
        }
        run(List.of("npm", "ci", "--no-audit", "--no-fund"), NPM_TIMEOUT_MINUTES);
    }

    /**
     * Probabilities of {@code rows} rows of flat features, {@code rows × numClasses}, row-major.
     *
     * @param modelJson the {@code model.json} written by {@link TfjsWriter}; shards beside it
     * @throws IOException if Node fails (its output is in the message) or does not finish in time
     */
    public float[] probabilities(Path modelJson, float[] features, int rows) throws IOException {
        if (rows <= 0 || features.length % rows != 0) {
            throw new IllegalArgumentException(
                    "TF.js runner: expected " + rows + " rows of equal width, found " + features.length + " values");
        }
        install();
        Path work = Files.createTempDirectory("tfjs-run-");
        try {
            Path in = work.resolve("features.f32");
            Path out = work.resolve("probabilities.f32");
            ByteBuffer buffer = ByteBuffer.allocate(features.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asFloatBuffer().put(features);
            Files.write(in, buffer.array());
            run(
                    List.of(
                            "node",
                            project.resolve(SCRIPT).toString(),
                            modelJson.toAbsolutePath().toString(),
                            in.toString(),
                            Integer.toString(rows),
                            out.toString()),
                    NODE_TIMEOUT_MINUTES);
            byte[] bytes = Files.readAllBytes(out);
            float[] result = new float[bytes.length / 4];
            ByteBuffer.wrap(bytes)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(result);
            if (result.length == 0 || result.length % rows != 0) {
                throw new IOException("TF.js runner: expected " + rows + " rows of probabilities, found "
                        + result.length + " values in " + out);
            }
            return result;
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The latency script beside {@value #SCRIPT}: models in Node measured interleaved. */
    public static final String LATENCY_SCRIPT = "latency.cjs";

    /**
     * Batch-1 p50/p99 and batch-{@code settings.batch()} rows/s of TF.js models in Node, interleaved as
     * {@link io.distillery.export.latency.LatencyMeter} does in the JVM.
     *
     * @param models name → {@code model.json}
     * @param features at least {@code settings.batch()} rows of {@code width} features
     */
    public List<io.distillery.export.latency.Latency> latency(
            java.util.Map<String, Path> models,
            float[] features,
            int width,
            io.distillery.export.latency.LatencyMeter.Settings settings)
            throws IOException {
        if (!Files.isRegularFile(project.resolve(LATENCY_SCRIPT))) {
            throw new IllegalArgumentException(
                    "TF.js runner: expected " + LATENCY_SCRIPT + " in " + project + ", found none");
        }
        install();
        Path work = Files.createTempDirectory("tfjs-latency-");
        try {
            Path in = work.resolve("features.f32");
            ByteBuffer buffer = ByteBuffer.allocate(features.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asFloatBuffer().put(features);
            Files.write(in, buffer.array());
            List<String> command = new java.util.ArrayList<>(List.of(
                    "node",
                    project.resolve(LATENCY_SCRIPT).toString(),
                    in.toString(),
                    Integer.toString(width),
                    Integer.toString(settings.warmup()),
                    Integer.toString(settings.rounds()),
                    Integer.toString(settings.singles()),
                    Integer.toString(settings.batches()),
                    Integer.toString(settings.batch())));
            models.values().forEach(p -> command.add(p.toAbsolutePath().toString()));
            Path log = work.resolve("out.json");
            Process process = new ProcessBuilder(command)
                    .directory(project.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                if (!process.waitFor(NODE_TIMEOUT_MINUTES * 6, TimeUnit.MINUTES) || process.exitValue() != 0) {
                    process.destroyForcibly();
                    throw new IOException("TF.js runner: " + command + " failed or did not finish");
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("TF.js runner: interrupted while measuring latency", e);
            }
            var rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(log.toFile());
            List<io.distillery.export.latency.Latency> out = new java.util.ArrayList<>();
            List<String> names = new java.util.ArrayList<>(models.keySet());
            for (int i = 0; i < rows.size(); i++) {
                var r = rows.get(i);
                out.add(new io.distillery.export.latency.Latency(
                        names.get(i),
                        "tfjs-node",
                        1,
                        r.get("p50Ms").asDouble(),
                        r.get("p99Ms").asDouble(),
                        settings.batch(),
                        r.get("rowsPerSecond").asDouble()));
            }
            return out;
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    private void run(List<String> command, long timeoutMinutes) throws IOException {
        Path log = Files.createTempFile("tfjs-runner-", ".log");
        try {
            Process process = new ProcessBuilder(command)
                    .directory(project.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            boolean finished;
            try {
                finished = process.waitFor(timeoutMinutes, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("TF.js runner: interrupted while running " + command, e);
            }
            if (!finished) {
                process.destroyForcibly();
                throw new IOException("TF.js runner: " + command + " did not finish in " + timeoutMinutes + " minutes");
            }
            if (process.exitValue() != 0) {
                throw new IOException("TF.js runner: " + command + " exited with " + process.exitValue() + "; output:\n"
                        + tail(Files.readString(log, StandardCharsets.UTF_8)));
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String tail(String text) {
        return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
    }
}
