package io.distillery.export.latency;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures several models in several runtimes interleaved: each round gives every candidate its turn
 * (single rows, then batches), so the noise of a shared machine falls on all of them alike and their
 * ratios can be trusted more than their absolute times.
 */
public final class LatencyMeter {
    private LatencyMeter() {}

    /**
     * @param warmup untimed calls per candidate and batch size before the first round
     * @param rounds rounds over all candidates
     * @param singles timed batch-1 calls per candidate and round
     * @param batches timed calls of {@code batch} rows per candidate and round
     */
    public record Settings(int warmup, int rounds, int singles, int batches, int batch) {
        public Settings {
            if (warmup < 0 || rounds < 1 || singles < 1 || batches < 1 || batch < 1) {
                throw new IllegalArgumentException("latency: expected warm-up >= 0 and rounds, calls and batch >= 1,"
                        + " found " + warmup + ", " + rounds + ", " + singles + ", " + batches + ", " + batch);
            }
        }

        /** {@code calls} timed single rows per candidate in all, in 4 rounds, and a tenth as many batches of 32. */
        public static Settings of(int calls) {
            int rounds = 4;
            int singles = Math.max(1, calls / rounds);
            return new Settings(Math.max(5, calls / 10), rounds, singles, Math.max(1, singles / 10), 32);
        }
    }

    /**
     * @param features at least {@code settings.batch()} rows of flat features ({@code width} each): real
     *     rows, cycled through by the single-row calls
     */
    public static List<Latency> measure(List<Inference> candidates, float[] features, int width, Settings settings) {
        int rows = features.length / width;
        if (rows < settings.batch()) {
            throw new IllegalArgumentException(
                    "latency: expected at least " + settings.batch() + " rows of features, found " + rows);
        }
        float[][] singles = new float[rows][];
        for (int r = 0; r < rows; r++) {
            singles[r] = Arrays.copyOfRange(features, r * width, (r + 1) * width);
        }
        float[] batch = Arrays.copyOf(features, settings.batch() * width);
        int n = candidates.size();
        long[][] singleNanos = new long[n][settings.rounds() * settings.singles()];
        long[] batchNanos = new long[n];
        for (Inference c : candidates) {
            for (int i = 0; i < settings.warmup(); i++) {
                c.run(singles[i % rows], 1);
                c.run(batch, settings.batch());
            }
        }
        for (int round = 0; round < settings.rounds(); round++) {
            for (int k = 0; k < n; k++) {
                Inference c = candidates.get(k);
                c.run(singles[0], 1); // a runtime that resized for the batch resizes back untimed
                for (int i = 0; i < settings.singles(); i++) {
                    float[] row = singles[(round * settings.singles() + i) % rows];
                    long start = System.nanoTime();
                    c.run(row, 1);
                    singleNanos[k][round * settings.singles() + i] = System.nanoTime() - start;
                }
                c.run(batch, settings.batch());
                long start = System.nanoTime();
                for (int i = 0; i < settings.batches(); i++) {
                    c.run(batch, settings.batch());
                }
                batchNanos[k] += System.nanoTime() - start;
            }
        }
        List<Latency> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Inference c = candidates.get(k);
            long[] sorted = singleNanos[k].clone();
            Arrays.sort(sorted);
            double rowsPerSecond =
                    (double) settings.rounds() * settings.batches() * settings.batch() / (batchNanos[k] / 1e9);
            out.add(new Latency(
                    c.model(),
                    c.runtime(),
                    c.threads(),
                    percentile(sorted, 0.50) / 1e6,
                    percentile(sorted, 0.99) / 1e6,
                    settings.batch(),
                    rowsPerSecond));
        }
        return out;
    }

    /** The nearest-rank percentile of sorted values. */
    static double percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The CPU model from /proc/cpuinfo, or the JVM's architecture where there is none. */
    public static String cpuModel() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }
}
