package io.distillery.prune;

import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What pruning bought: the zeros really present in the pruned (stripped) weights, per array and in
 * total, and the gzip size of the dense and pruned weights ({@link GzipSize}).
 *
 * @param tensors one entry per array of the pruned weights, in weight order
 * @param denseGzipBytes gzip size of the weights before pruning
 * @param prunedGzipBytes gzip size of the pruned weights
 */
public record SparsityReport(List<TensorSparsity> tensors, long denseGzipBytes, long prunedGzipBytes) {

    public SparsityReport {
        tensors = List.copyOf(tensors);
        if (denseGzipBytes <= 0 || prunedGzipBytes <= 0) {
            throw new IllegalArgumentException(
                    "gzip sizes must be > 0, found dense " + denseGzipBytes + " and pruned " + prunedGzipBytes);
        }
    }

    /** Report with every {@code <layer>/kernel} counted as prunable. */
    public static SparsityReport of(Weights dense, Weights pruned) {
        return of(dense, pruned, PruningScope.KERNELS);
    }

    /**
     * @throws IllegalArgumentException if {@code dense} and {@code pruned} do not have the same arrays
     *     with the same shapes
     */
    public static SparsityReport of(Weights dense, Weights pruned, PruningScope scope) {
        if (!dense.asMap().keySet().equals(pruned.asMap().keySet())) {
            throw new IllegalArgumentException("dense and pruned weights must hold the same arrays; dense has "
                    + dense.asMap().keySet() + ", pruned has " + pruned.asMap().keySet());
        }
        List<TensorSparsity> tensors = new ArrayList<>();
        for (NamedArray p : pruned.asMap().values()) {
            NamedArray d = dense.get(p.name());
            if (!Arrays.equals(d.shape(), p.shape())) {
                throw new IllegalArgumentException(p.name() + ": pruned shape " + Arrays.toString(p.shape())
                        + " differs from dense " + Arrays.toString(d.shape()));
            }
            tensors.add(TensorSparsity.of(p, scope.isPrunable(p.name())));
        }
        return new SparsityReport(tensors, GzipSize.of(dense), GzipSize.of(pruned));
    }

    public long totalParams() {
        return tensors.stream().mapToLong(TensorSparsity::size).sum();
    }

    public long totalZeros() {
        return tensors.stream().mapToLong(TensorSparsity::zeros).sum();
    }

    public long nonZeros() {
        return totalParams() - totalZeros();
    }

    /** Fraction of zeros over all parameters, biases included. */
    public double totalSparsity() {
        return fraction(totalZeros(), totalParams());
    }

    public long prunableParams() {
        return tensors.stream()
                .filter(TensorSparsity::prunable)
                .mapToLong(TensorSparsity::size)
                .sum();
    }

    public long prunableZeros() {
        return tensors.stream()
                .filter(TensorSparsity::prunable)
                .mapToLong(TensorSparsity::zeros)
                .sum();
    }

    /** Fraction of zeros over the prunable arrays only. */
    public double prunableSparsity() {
        return fraction(prunableZeros(), prunableParams());
    }

    /** {@code prunedGzipBytes / denseGzipBytes}: 0.25 means the pruned weights gzip 4x smaller. */
    public double gzipRatio() {
        return (double) prunedGzipBytes / denseGzipBytes;
    }

    /** Plain-text table for logs: one row per array, then totals and gzip sizes. */
    public String toTable() {
        int width = Math.max(
                "tensor".length(),
                tensors.stream().mapToInt(t -> t.name().length()).max().orElse(0));
        String row = "%-" + width + "s  %8s  %12s  %12s  %9s%n";
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, row, "tensor", "prunable", "params", "zeros", "sparsity"));
        for (TensorSparsity t : tensors) {
            out.append(String.format(
                    Locale.ROOT,
                    row,
                    t.name(),
                    t.prunable() ? "yes" : "no",
                    t.size(),
                    t.zeros(),
                    percent(t.sparsity())));
        }
        out.append(String.format(
                Locale.ROOT, row, "prunable", "", prunableParams(), prunableZeros(), percent(prunableSparsity())));
        out.append(String.format(Locale.ROOT, row, "all", "", totalParams(), totalZeros(), percent(totalSparsity())));
        out.append(String.format(Locale.ROOT, "non-zeros: %d%n", nonZeros()));
        out.append(String.format(
                Locale.ROOT,
                "gzip: dense %d B, pruned %d B, ratio %.3f (%.2fx smaller)%n",
                denseGzipBytes,
                prunedGzipBytes,
                gzipRatio(),
                1.0 / gzipRatio()));
        return out.toString();
    }

    /** The report as plain values (numbers, strings, booleans, lists, maps) for a JSON manifest. */
    public Map<String, Object> toMap() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (TensorSparsity t : tensors) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", t.name());
            row.put("prunable", t.prunable());
            row.put("params", t.size());
            row.put("zeros", t.zeros());
            row.put("sparsity", t.sparsity());
            rows.add(row);
        }
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("total_params", totalParams());
        map.put("total_zeros", totalZeros());
        map.put("non_zeros", nonZeros());
        map.put("total_sparsity", totalSparsity());
        map.put("prunable_params", prunableParams());
        map.put("prunable_zeros", prunableZeros());
        map.put("prunable_sparsity", prunableSparsity());
        map.put("gzip_bytes_dense", denseGzipBytes);
        map.put("gzip_bytes_pruned", prunedGzipBytes);
        map.put("gzip_ratio", gzipRatio());
        map.put("tensors", rows);
        return map;
    }

    private static double fraction(long part, long whole) {
        return whole == 0 ? 0.0 : (double) part / whole;
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100.0 * fraction);
    }
}
