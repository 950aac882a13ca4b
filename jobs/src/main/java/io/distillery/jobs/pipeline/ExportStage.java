package io.distillery.jobs.pipeline;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.export.ExportFormat;
import io.distillery.export.savedmodel.SavedModelWriter;
import io.distillery.export.tfjs.TfjsRunner;
import io.distillery.export.tfjs.TfjsWriter;
import io.distillery.export.tflite.QuantizedModel;
import io.distillery.export.tflite.TfLiteRunner;
import io.distillery.export.tflite.TfLiteWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Writes the final model in every configured format into one local directory laid out as a published
 * version (SavedModel at the top, {@code model.tflite}, {@code model_int8.tflite}, {@code tfjs/}), and
 * measures each file's test accuracy in its own runtime: TF Java's SavedModel loader, the TFLite
 * interpreter. A format's number is what a user of that format gets.
 */
public final class ExportStage {
    private ExportStage() {}

    /** Per-format results: file (relative), bytes, test accuracy. */
    public record FormatReport(String format, String file, long bytes, Double testAccuracy) {}

    public static Map<String, FormatReport> export(
            ModelSpec spec,
            Weights weights,
            Set<ExportFormat> formats,
            float[] calibration,
            int calibrationRows,
            TestSet test,
            Path dir,
            PrintStream out)
            throws IOException {
        Map<String, FormatReport> reports = new LinkedHashMap<>();
        SavedModelWriter.write(spec, weights, dir);
        long savedModelBytes = sizeOf(dir, "saved_model.pb", "variables");
        report(
                reports,
                ExportFormat.SAVEDMODEL,
                savedModelBytes,
                savedModelAccuracy(dir, test, spec.numClasses()),
                out);
        if (formats.contains(ExportFormat.TFLITE)) {
            byte[] flat = TfLiteWriter.float32(spec, weights);
            Files.write(dir.resolve(ExportFormat.TFLITE.file()), flat);
            report(reports, ExportFormat.TFLITE, flat.length, tfliteAccuracy(flat, test, spec), out);
        }
        if (formats.contains(ExportFormat.TFLITE_INT8)) {
            QuantizedModel q = TfLiteWriter.int8(spec, weights, calibration, calibrationRows);
            Files.write(dir.resolve(ExportFormat.TFLITE_INT8.file()), q.flatbuffer());
            report(reports, ExportFormat.TFLITE_INT8, q.sizeBytes(), tfliteAccuracy(q.flatbuffer(), test, spec), out);
        }
        if (formats.contains(ExportFormat.TFJS)) {
            long bytes = 0;
            for (Path f : TfjsWriter.write(
                    spec, weights, dir.resolve(ExportFormat.TFJS.file()).getParent())) {
                bytes += Files.size(f);
            }
            report(
                    reports,
                    ExportFormat.TFJS,
                    bytes,
                    tfjsAccuracy(dir.resolve(ExportFormat.TFJS.file()), test, spec.numClasses(), out),
                    out);
        }
        return reports;
    }

    private static void report(
            Map<String, FormatReport> reports, ExportFormat f, long bytes, Double accuracy, PrintStream out) {
        reports.put(f.key(), new FormatReport(f.key(), f.file(), bytes, accuracy));
        out.printf(
                "export   %-12s %8d bytes  %s%n",
                f.key(), bytes, accuracy == null ? "" : String.format("test accuracy %.4f", accuracy));
    }

    /**
     * The TF.js model's accuracy in Node with {@code @tensorflow/tfjs}, where the runner that {@link
     * TfjsRunner#PROJECT_PROPERTY} names can run (bin/distillery names the repository's); null, with the
     * reason printed, where it cannot: Node is not part of a Spark cluster's usual setup.
     */
    private static Double tfjsAccuracy(Path modelJson, TestSet test, int classes, PrintStream out) throws IOException {
        String property = System.getProperty(TfjsRunner.PROJECT_PROPERTY);
        Path project = property == null || property.isBlank() ? null : Path.of(property);
        String unavailable = TfjsRunner.unavailable(project);
        if (unavailable != null) {
            out.printf("export   tfjs: accuracy not measured: %s%n", unavailable);
            return null;
        }
        TfjsRunner runner = new TfjsRunner(project);
        try {
            // One Node process for the whole test set: each start loads TF.js again.
            return test.accuracy(
                    (x, n) -> {
                        try {
                            return runner.probabilities(modelJson, x, n);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    },
                    classes,
                    Math.max(1, test.rows()));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static double tfliteAccuracy(byte[] flatbuffer, TestSet test, ModelSpec spec) {
        try (TfLiteRunner runner = new TfLiteRunner(flatbuffer)) {
            return test.accuracy(runner::probabilities, spec.numClasses());
        }
    }

    /** Loads the SavedModel as a server would and runs its serving_default signature on the test set. */
    public static double savedModelAccuracy(Path dir, TestSet test, int classes) {
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
            var fn = bundle.function(SavedModelWriter.SIGNATURE);
            return test.accuracy(
                    (x, n) -> {
                        try (TFloat32 input =
                                        TFloat32.tensorOf(Shape.of(n, test.width()), DataBuffers.of(x, true, false));
                                var result = fn.call(Map.of(SavedModelWriter.INPUT_KEY, input))) {
                            float[] p = new float[n * classes];
                            ((TFloat32) result.get(SavedModelWriter.OUTPUT_KEY).orElseThrow())
                                    .copyTo(DataBuffers.of(p, false, false));
                            return p;
                        }
                    },
                    classes);
        }
    }

    static long sizeOf(Path dir, String... names) throws IOException {
        long total = 0;
        for (String n : names) {
            Path p = dir.resolve(n);
            if (Files.isDirectory(p)) {
                try (var s = Files.walk(p)) {
                    for (Path f : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                        total += Files.size(f);
                    }
                }
            } else if (Files.exists(p)) {
                total += Files.size(p);
            }
        }
        return total;
    }
}
