package io.distillery.jobs.pipeline;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.export.latency.Inference;
import io.distillery.export.latency.Latency;
import io.distillery.export.latency.LatencyMeter;
import io.distillery.export.tflite.TfLiteWriter;
import io.distillery.jobs.failure.QualityGateException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * How fast the exported model is next to the models it came from, measured in one run so that the
 * ratios hold on a shared machine: the teacher (when the run trained it), the dense distilled student
 * and the exported model, each in TF Java and in the TFLite interpreter, the exported one in int8 too.
 * Kept as {@code export/latency.json} and in the manifest; {@code publish.require_speedup} judges it.
 *
 * @param cpu the CPU model
 * @param rows every model and runtime measured
 */
public record ExportLatency(String cpu, int threads, List<Latency> rows) {
    public static final String FILE = "export/latency.json";
    static final String TEACHER = "teacher";
    static final String STUDENT = "student";
    static final String EXPORTED = "exported";

    /** A model to measure: its spec and weights, and its int8 file when it has one. */
    record Model(String name, ModelSpec spec, Weights weights, byte[] int8) {}

    static ExportLatency measure(List<Model> models, TestSet test, int calls, int threads, PrintStream out) {
        List<Inference> candidates = new ArrayList<>();
        try {
            for (Model m : models) {
                candidates.add(Inference.tfJava(m.name(), m.spec(), m.weights(), threads));
                candidates.add(
                        Inference.tflite(m.name(), "tflite", TfLiteWriter.float32(m.spec(), m.weights()), threads));
                if (m.int8() != null) {
                    candidates.add(Inference.tflite(m.name(), "tflite-int8", m.int8(), threads));
                }
            }
            int rows = Math.min(test.rows(), 256);
            float[] features = java.util.Arrays.copyOf(test.features(), rows * test.width());
            List<Latency> measured =
                    LatencyMeter.measure(candidates, features, test.width(), LatencyMeter.Settings.of(calls));
            ExportLatency latency = new ExportLatency(LatencyMeter.cpuModel(), threads, measured);
            latency.print(out);
            return latency;
        } finally {
            candidates.forEach(Inference::close);
        }
    }

    private void print(PrintStream out) {
        out.printf(
                "latency  %-10s %-12s %9s %9s %14s   (%s, %d thread%s)%n",
                "model", "runtime", "p50 ms", "p99 ms", "rows/s @32", cpu, threads, threads == 1 ? "" : "s");
        for (Latency l : rows) {
            out.printf(
                    "latency  %-10s %-12s %9.3f %9.3f %,14.0f%n",
                    l.model(), l.runtime(), l.p50Ms(), l.p99Ms(), l.rowsPerSecond());
        }
        for (String runtime : List.of("tf-java", "tflite")) {
            Latency dense = find(STUDENT, runtime);
            Latency exported = find(EXPORTED, runtime);
            if (dense != null && exported != null) {
                out.printf(
                        "latency  exported vs dense student in %s: %.2fx lower p50, %.2fx the throughput%n",
                        runtime, dense.p50Ms() / exported.p50Ms(), exported.rowsPerSecond() / dense.rowsPerSecond());
            }
        }
    }

    Latency find(String model, String runtime) {
        return rows.stream()
                .filter(l -> l.model().equals(model) && l.runtime().equals(runtime))
                .findFirst()
                .orElse(null);
    }

    /**
     * {@code publish.require_speedup}: the exported model's batch-1 p50 must be {@code factor} times
     * lower than the dense student's on {@code runtime}.
     *
     * @throws QualityGateException naming both figures (exit 6, nothing published)
     */
    void requireSpeedup(double factor, String runtime) {
        Latency dense = find(STUDENT, runtime);
        Latency exported = find(EXPORTED, runtime);
        if (dense == null || exported == null) {
            throw new QualityGateException("publish.require_speedup " + factor + ": no " + runtime
                    + " latency of the dense student and the exported model in " + FILE);
        }
        double speedup = dense.p50Ms() / exported.p50Ms();
        if (speedup < factor) {
            throw new QualityGateException(String.format(
                    java.util.Locale.ROOT,
                    "publish.require_speedup %.2f not met on %s: the exported model answers one row in %.3f ms"
                            + " (p50), the dense student in %.3f ms: %.2fx; nothing published",
                    factor,
                    runtime,
                    exported.p50Ms(),
                    dense.p50Ms(),
                    speedup));
        }
    }

    public static ExportLatency read(RunDirectory run) throws java.io.IOException {
        return Pipeline.JSON.readValue(run.read(FILE), ExportLatency.class);
    }

    void write(RunDirectory run) throws java.io.IOException {
        run.writeString(FILE, Pipeline.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this));
    }
}
