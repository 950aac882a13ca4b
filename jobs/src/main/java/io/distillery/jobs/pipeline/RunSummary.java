package io.distillery.jobs.pipeline;

import io.distillery.core.model.Weights;
import io.distillery.prune.GzipSize;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The table a run ends with: each model's accuracy, parameters, non-zeros and compressed size. */
public final class RunSummary {
    /**
     * One model's line; sizes are null for a teacher the user brought (its weights are its own
     * SavedModel's, not ours to count).
     */
    public record Row(String model, double accuracy, Long parameters, Long nonZeros, Long gzipBytes) {}

    private final List<Row> rows = new ArrayList<>();

    public RunSummary add(String model, StageOutcome o) {
        Weights w = o.weights();
        rows.add(
                w == null
                        ? new Row(model, o.testAccuracy(), null, null, null)
                        : new Row(model, o.testAccuracy(), w.size(), w.nonZeros(), GzipSize.of(w)));
        return this;
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    public String table() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT,
                "%-20s %9s %11s %11s %12s%n",
                "model",
                "accuracy",
                "parameters",
                "non-zero",
                "gzip bytes"));
        for (Row r : rows) {
            s.append(String.format(
                    Locale.ROOT,
                    "%-20s %9.4f %11s %11s %12s%n",
                    r.model(),
                    r.accuracy(),
                    orDash(r.parameters()),
                    orDash(r.nonZeros()),
                    orDash(r.gzipBytes())));
        }
        return s.toString();
    }

    private static String orDash(Long n) {
        return n == null ? "-" : n.toString();
    }

    public List<Map<String, Object>> toMaps() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", r.model());
            m.put("test_accuracy", r.accuracy());
            m.put("parameters", r.parameters());
            m.put("non_zero_parameters", r.nonZeros());
            m.put("weights_gzip_bytes", r.gzipBytes());
            out.add(m);
        }
        return out;
    }
}
