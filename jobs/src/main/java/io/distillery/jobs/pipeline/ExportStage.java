package io.distillery.jobs.pipeline;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.export.savedmodel.SavedModelWriter;
import io.distillery.export.tfjs.TfjsWriter;
import io.distillery.export.tflite.QuantizedModel;
import io.distillery.export.tflite.TfLiteRunner;
import io.distillery.export.tflite.TfLiteWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    public static final String TFLITE = "model.tflite";
    public static final String TFLITE_INT8 = "model_int8.tflite";
    public static final String TFJS = "tfjs";

    private ExportStage() {}

    /** Per-format results: file (relative), bytes, test accuracy. */
    public record FormatReport(String format, String file, long bytes, Double testAccuracy) {}

    public static Map<String, FormatReport> export(
            ModelSpec spec,
            Weights weights,
            List<String> formats,
            float[] calibration,
            int calibrationRows,
            TestSet test,
            Path dir,
            PrintStream out)
            throws IOException {
        Map<String, FormatReport> reports = new LinkedHashMap<>();
        SavedModelWriter.write(spec, weights, dir);
        double savedModelAccuracy = savedModelAccuracy(dir, test, spec.numClasses());
        reports.put(
                "savedmodel",
                new FormatReport(
                        "savedmodel",
                        "saved_model.pb",
                        sizeOf(dir, "saved_model.pb", "variables"),
                        savedModelAccuracy));
        out.printf(
                "export   savedmodel   %8d bytes  test accuracy %.4f%n",
                reports.get("savedmodel").bytes(), savedModelAccuracy);
        if (formats.contains("tflite")) {
            byte[] flat = TfLiteWriter.float32(spec, weights);
            Files.write(dir.resolve(TFLITE), flat);
            double acc;
            try (TfLiteRunner runner = new TfLiteRunner(flat)) {
                acc = test.accuracy(runner::probabilities, spec.numClasses());
            }
            reports.put("tflite", new FormatReport("tflite", TFLITE, flat.length, acc));
            out.printf("export   tflite       %8d bytes  test accuracy %.4f%n", flat.length, acc);
        }
        if (formats.contains("tflite-int8")) {
            QuantizedModel q = TfLiteWriter.int8(spec, weights, calibration, calibrationRows);
            Files.write(dir.resolve(TFLITE_INT8), q.flatbuffer());
            double acc;
            try (TfLiteRunner runner = new TfLiteRunner(q.flatbuffer())) {
                acc = test.accuracy(runner::probabilities, spec.numClasses());
            }
            reports.put("tflite-int8", new FormatReport("tflite-int8", TFLITE_INT8, q.sizeBytes(), acc));
            out.printf("export   tflite-int8  %8d bytes  test accuracy %.4f%n", q.sizeBytes(), acc);
        }
        if (formats.contains("tfjs")) {
            List<Path> files = TfjsWriter.write(spec, weights, dir.resolve(TFJS));
            long bytes = 0;
            for (Path f : files) {
                bytes += Files.size(f);
            }
            reports.put("tfjs", new FormatReport("tfjs", TFJS + "/" + TfjsWriter.MODEL_JSON, bytes, null));
            out.printf("export   tfjs         %8d bytes  (%d files)%n", bytes, files.size());
        }
        return reports;
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
