package io.distillery.export.latency;

/**
 * How fast one model answers in one runtime, measured by {@link LatencyMeter}: the latency of single
 * rows (batch 1) at the median and the 99th percentile, and the rows per second at a larger batch.
 *
 * @param model which model, e.g. {@code teacher}, {@code student}, {@code pruned}
 * @param runtime e.g. {@code tf-java}, {@code tflite}, {@code tflite-int8}
 * @param threads the runtime's threads
 * @param batch the batch of the throughput figure
 */
public record Latency(
        String model, String runtime, int threads, double p50Ms, double p99Ms, int batch, double rowsPerSecond) {}
