package io.distillery.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillery.core.data.IdxReader;
import io.distillery.core.model.Flops;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.export.latency.Inference;
import io.distillery.export.latency.Latency;
import io.distillery.export.latency.LatencyMeter;
import io.distillery.export.tflite.TfLiteWriter;
import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.config.JobConfig;
import io.distillery.prune.StructuredPruning;
import io.distillery.stage.StageSummary;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Latency of every model two runs of the default pipeline produced, measured interleaved in one JVM:
 * the teacher, the student alone, the distilled student, the unstructured-pruned student (run A,
 * {@code prune.kind: unstructured}), the structured-pruned student as exported (run B, {@code
 * prune.kind: structured}, without its removed units) and both int8 files. TF Java and the TFLite
 * interpreter (XNNPACK) interleaved in this JVM, then TF.js in Node (interleaved among themselves),
 * batch-1 p50/p99 and batch-32 rows/s, with each model's test accuracy from its run. Writes {@code bench/results/compression.json} and {@code .md}. Run with {@code
 * bench/compression.sh}.
 *
 * <p>Usage: {@code CompressionBenchmark <run A dir> <run B dir> [calls] [threads]}.
 */
public final class CompressionBenchmark {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";

    public static void main(String[] args) throws Exception {
        Path a = Path.of(args[0]);
        Path b = Path.of(args[1]);
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        JobConfig config = ConfigLoader.parse(Files.readString(a.resolve("config.yaml")), "run A", List.of());
        ModelSpec teacherSpec = config.teacher().modelSpec(config.data(), "teacher");
        ModelSpec studentSpec = config.student().modelSpec(config.data(), "student");
        StructuredPruning.Shrunk structured = StructuredPruning.shrink(studentSpec, weights(b, "pruned"));

        record Model(String name, ModelSpec spec, Weights weights, double accuracy, byte[] int8) {}
        List<Model> models = List.of(
                new Model("teacher", teacherSpec, weights(a, "teacher"), accuracy(a, "teacher"), null),
                new Model(
                        "student alone",
                        studentSpec,
                        weights(a, "student-scratch"),
                        accuracy(a, "student-scratch"),
                        null),
                new Model("student distilled", studentSpec, weights(a, "student"), accuracy(a, "student"), null),
                new Model(
                        "unstructured-pruned",
                        studentSpec,
                        weights(a, "pruned"),
                        accuracy(a, "pruned"),
                        Files.readAllBytes(a.resolve("export/files/model_int8.tflite"))),
                new Model(
                        "structured-pruned",
                        structured.spec(),
                        structured.weights(),
                        accuracy(b, "pruned"),
                        Files.readAllBytes(b.resolve("export/files/model_int8.tflite"))));
        Map<String, Object> formatsB =
                new ObjectMapper().readValue(b.resolve("export/formats.json").toFile(), Map.class);
        Map<String, Object> formatsA =
                new ObjectMapper().readValue(a.resolve("export/formats.json").toFile(), Map.class);

        float[] test;
        try (InputStream in = new FileInputStream(DATA + "/t10k-images-idx3-ubyte.gz")) {
            test = java.util.Arrays.copyOf(
                    IdxReader.readImages(in, "test images").pixels(), 256 * 784);
        }
        List<Inference> candidates = new ArrayList<>();
        Map<String, Double> accuracy = new LinkedHashMap<>();
        try {
            for (Model m : models) {
                candidates.add(Inference.tfJava(m.name(), m.spec(), m.weights(), threads));
                candidates.add(
                        Inference.tflite(m.name(), "tflite", TfLiteWriter.float32(m.spec(), m.weights()), threads));
                accuracy.put(m.name() + " tf-java", m.accuracy());
                accuracy.put(m.name() + " tflite", m.accuracy());
                if (m.int8() != null) {
                    candidates.add(Inference.tflite(m.name(), "tflite-int8", m.int8(), threads));
                    Map<?, ?> formats =
                            (Map<?, ?>) (m.name().startsWith("structured") ? formatsB : formatsA).get("tflite-int8");
                    accuracy.put(m.name() + " tflite-int8", ((Number) formats.get("test_accuracy")).doubleValue());
                }
            }
            LatencyMeter.Settings settings = LatencyMeter.Settings.of(calls);
            List<Latency> measured = new ArrayList<>(LatencyMeter.measure(candidates, test, 784, settings));
            // TF.js in Node: the same models, interleaved among themselves in one Node process.
            Map<String, Path> tfjs = new LinkedHashMap<>();
            Path tfjsDir = Files.createTempDirectory("compression-tfjs-");
            for (Model m : models) {
                Path dir = tfjsDir.resolve(m.name().replace(' ', '-'));
                io.distillery.export.tfjs.TfjsWriter.write(m.spec(), m.weights(), dir);
                tfjs.put(m.name(), dir.resolve(io.distillery.export.tfjs.TfjsWriter.MODEL_JSON));
                accuracy.put(m.name() + " tfjs-node", m.accuracy()); // float, within 1e-5 of TF Java
            }
            Path root = Path.of(System.getProperty("distillery.root", "."));
            measured.addAll(new io.distillery.export.tfjs.TfjsRunner(root.resolve("export/src/test/node"))
                    .latency(tfjs, test, 784, settings));
            write(
                    models.stream()
                            .map(m -> Map.<String, Object>of(
                                    "model", m.name(),
                                    "layers", m.spec().layers().toString(),
                                    "parameters", m.spec().parameterCount(),
                                    "forward_flops", Flops.forward(m.spec())))
                            .toList(),
                    measured,
                    accuracy,
                    calls,
                    threads,
                    args);
        } finally {
            candidates.forEach(Inference::close);
        }
    }

    private static Weights weights(Path run, String stage) throws java.io.IOException {
        try (InputStream in = Files.newInputStream(run.resolve(stage).resolve("weights.bin"))) {
            return Weights.read(in);
        }
    }

    private static double accuracy(Path run, String stage) throws java.io.IOException {
        return StageSummary.parse(Files.readAllBytes(run.resolve(stage).resolve(StageSummary.FILE)))
                .testAccuracy();
    }

    private static void write(
            List<Map<String, Object>> models,
            List<Latency> measured,
            Map<String, Double> accuracy,
            int calls,
            int threads,
            String[] args)
            throws java.io.IOException {
        StringBuilder md = new StringBuilder(
                "| model | runtime | p50 ms (batch 1) | p99 ms | rows/s (batch 32) | p50 vs"
                        + " distilled | rows/s vs distilled | test accuracy |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Latency l : measured) {
            Latency dense = measured.stream()
                    .filter(x ->
                            x.model().equals("student distilled") && x.runtime().equals(l.runtime()))
                    .findFirst()
                    .orElse(measured.stream()
                            .filter(x -> x.model().equals("student distilled")
                                    && x.runtime().equals("tflite"))
                            .findFirst()
                            .orElseThrow());
            double lower = dense.p50Ms() / l.p50Ms();
            double faster = l.rowsPerSecond() / dense.rowsPerSecond();
            Double acc = accuracy.get(l.model() + " " + l.runtime());
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.4f | %.4f | %,.0f | %.2f× | %.2f× | %.4f |%n",
                    l.model(),
                    l.runtime(),
                    l.p50Ms(),
                    l.p99Ms(),
                    l.rowsPerSecond(),
                    lower,
                    faster,
                    acc));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", l.model());
            row.put("runtime", l.runtime());
            row.put("p50_ms", l.p50Ms());
            row.put("p99_ms", l.p99Ms());
            row.put("rows_per_second_batch_32", l.rowsPerSecond());
            row.put("p50_lower_than_distilled", lower);
            row.put("throughput_vs_distilled", faster);
            row.put("test_accuracy", acc);
            rows.add(row);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        // The runs' own settings (e.g. --conf a preset), passed on by bench/compression.sh.
        String settings = System.getenv().getOrDefault("DISTILLERY_BENCH_SETTINGS", "");
        result.put(
                "command",
                ("bench/compression.sh " + String.join(" ", java.util.Arrays.copyOfRange(args, 2, args.length)) + " "
                                + settings)
                        .strip());
        result.put("date", Instant.now().toString());
        result.put("cpu", LatencyMeter.cpuModel());
        result.put("threads", threads);
        result.put("timed_single_calls_per_candidate", calls);
        result.put("models", models);
        result.put("latency", rows);
        Path out = Path.of(System.getProperty("distillery.root", ".")).resolve("bench/results");
        Files.createDirectories(out);
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(out.resolve("compression.json").toFile(), result);
        String text = "# Compression: latency of every model\n\n`" + result.get("command") + "` (one run, "
                + result.get("cpu") + ", " + threads + " thread(s), interleaved)\n\n" + md;
        Files.writeString(out.resolve("compression.md"), text);
        System.out.println(text);
    }
}
