package io.distillery.search;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a chosen model must meet, judged on the validation rows: at most {@code maxAccuracyDrop} points
 * below the reference (the teacher), and, when set (above 0), a batch-1 latency and a file size.
 */
public record Budgets(double maxAccuracyDrop, double maxLatencyMs, long maxBytes) implements Serializable {
    public Budgets {
        if (!(maxAccuracyDrop >= 0 && maxAccuracyDrop <= 100)) {
            throw new IllegalArgumentException(
                    "search.max_accuracy_drop must be in [0, 100] points, found " + maxAccuracyDrop);
        }
        if (!(maxLatencyMs >= 0)) {
            throw new IllegalArgumentException(
                    "search.max_latency_ms must be >= 0 (0: no budget), found " + maxLatencyMs);
        }
        if (maxBytes < 0) {
            throw new IllegalArgumentException("search.max_bytes must be >= 0 (0: no budget), found " + maxBytes);
        }
    }

    /**
     * Each budget that applies, with the trial's figure, the limit and whether it held: {@code accuracy},
     * {@code latency}, {@code size}, in that order.
     *
     * @param reference the validation accuracy the drop is measured from
     */
    public Map<String, Check> check(TrialResult r, double reference) {
        Map<String, Check> out = new LinkedHashMap<>();
        double floor = reference - maxAccuracyDrop / 100;
        out.put("accuracy", new Check(r.validationAccuracy(), floor, r.validationAccuracy() >= floor));
        if (maxLatencyMs > 0) {
            out.put("latency", new Check(r.latencyP50Ms(), maxLatencyMs, r.latencyP50Ms() <= maxLatencyMs));
        }
        if (maxBytes > 0) {
            out.put("size", new Check(r.bytes(), maxBytes, r.bytes() <= maxBytes));
        }
        return out;
    }

    public boolean met(TrialResult r, double reference) {
        return check(r, reference).values().stream().allMatch(Check::held);
    }

    /**
     * One budget applied to one trial.
     *
     * @param value the trial's figure (validation accuracy, ms, bytes)
     * @param limit the floor (accuracy) or ceiling (latency, size)
     */
    public record Check(double value, double limit, boolean held) {
        /** How far inside the budget the figure is (negative: by how much it missed). */
        public double margin() {
            return held ? Math.abs(value - limit) : -Math.abs(value - limit);
        }
    }
}
