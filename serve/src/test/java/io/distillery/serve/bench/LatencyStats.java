package io.distillery.serve.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Throughput and latency percentiles of one measured run.
 *
 * @param requests  requests completed in the measured window
 * @param errors    requests that failed (non-200 or exception)
 * @param seconds   the measured window
 * @param p50Ms     median latency
 * @param p99Ms     99th percentile
 * @param meanMs    mean latency
 */
record LatencyStats(long requests, long errors, double seconds, double p50Ms, double p99Ms, double meanMs) {

    double requestsPerSecond() {
        return requests / seconds;
    }

    /** From per-request latencies in nanoseconds ({@code count} of them, in any order). */
    static LatencyStats of(long[] nanos, int count, long errors, double seconds) {
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        double mean = count == 0 ? 0 : Arrays.stream(sorted).average().orElse(0);
        return new LatencyStats(
                count, errors, seconds, percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6, mean / 1e6);
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("requests", requests);
        map.put("errors", errors);
        map.put("seconds", round(seconds));
        map.put("requests_per_second", round(requestsPerSecond()));
        map.put("p50_ms", round(p50Ms));
        map.put("p99_ms", round(p99Ms));
        map.put("mean_ms", round(meanMs));
        return map;
    }

    static LatencyStats fromMap(Map<?, ?> map) {
        return new LatencyStats(
                ((Number) map.get("requests")).longValue(),
                ((Number) map.get("errors")).longValue(),
                ((Number) map.get("seconds")).doubleValue(),
                ((Number) map.get("p50_ms")).doubleValue(),
                ((Number) map.get("p99_ms")).doubleValue(),
                ((Number) map.get("mean_ms")).doubleValue());
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
