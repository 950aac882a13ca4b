package io.distillery.prune;

import io.distillery.core.model.NamedArray;
import java.util.Arrays;

/**
 * N:M sparsity of kernels: along the input axis (the second-to-last: {@code in} of a dense
 * {@code [in, out]} or a conv2d HWIO kernel), each run of {@code M} consecutive inputs feeding one output
 * at one kernel position holds at most {@code N} non-zeros. 2:4 is what sparse tensor cores (and
 * TensorRT's sparse kernels) run at twice the dense speed.
 *
 * <p>An input dimension that is not a multiple of {@code M} leaves its last, partial group out: it is
 * never pruned and {@link #holds} does not check it.
 */
public final class NmSparsity {
    /** The group size M pruning uses. */
    public static final int GROUP = 4;

    private NmSparsity() {}

    /**
     * Whether every full group of {@code m} consecutive values along {@code kernel}'s input axis has at
     * most {@code n} non-zeros.
     *
     * @throws IllegalArgumentException if the kernel has fewer than 2 dimensions or not {@code 0 <= n <= m}
     */
    public static boolean holds(NamedArray kernel, int n, int m) {
        if (m < 1 || n < 0 || n > m) {
            throw new IllegalArgumentException(
                    kernel.name() + ": N:M sparsity needs 0 <= N <= M and M >= 1, found " + n + ":" + m);
        }
        Groups groups = Groups.of(kernel, m);
        float[] values = kernel.values();
        for (int g = 0; g < groups.count(); g++) {
            int nonZeros = 0;
            for (int k = 0; k < m; k++) {
                nonZeros += values[groups.at(g, k)] != 0f ? 1 : 0;
            }
            if (nonZeros > n) {
                return false;
            }
        }
        return true;
    }

    /**
     * Prunes the {@code floor(sparsity × 4)} smallest magnitudes of each group of {@value #GROUP} (0.5
     * gives 2:4, 0.25 gives 3:4); among equal magnitudes the lower input first.
     *
     * @throws IllegalArgumentException if {@code sparsity} is outside [0, 1) or a value is NaN
     */
    static TensorMask mask(NamedArray kernel, double sparsity) {
        if (!(sparsity >= 0.0 && sparsity < 1.0)) {
            throw new IllegalArgumentException(kernel.name() + ": sparsity must be in [0, 1), found " + sparsity);
        }
        int pruned = TensorMask.prunedCount(GROUP, sparsity);
        Groups groups = Groups.of(kernel, GROUP);
        float[] values = kernel.values();
        boolean[] keep = new boolean[values.length];
        Arrays.fill(keep, true);
        long[] order = new long[GROUP];
        for (int g = 0; g < groups.count(); g++) {
            for (int k = 0; k < GROUP; k++) {
                int at = groups.at(g, k);
                if (Float.isNaN(values[at])) {
                    throw new IllegalArgumentException(
                            kernel.name() + "[" + at + "] is NaN, cannot rank magnitudes; did training diverge?");
                }
                // As TensorMask.magnitude: |w|'s bits order like its value, the position breaks ties.
                order[k] = ((long) Float.floatToIntBits(Math.abs(values[at])) << 32) | k;
            }
            Arrays.sort(order);
            for (int r = 0; r < pruned; r++) {
                keep[groups.at(g, (int) order[r])] = false;
            }
        }
        return new TensorMask(kernel.name(), kernel.shape(), keep);
    }

    /**
     * The full groups of a kernel seen as {@code [positions, in, out]}: group {@code g} is the inputs
     * {@code [i0, i0 + m)} of one (position, output) pair.
     */
    private record Groups(int inputs, int outputs, int perColumn, int m, int count) {
        static Groups of(NamedArray kernel, int m) {
            long[] shape = kernel.shape();
            if (shape.length < 2) {
                throw new IllegalArgumentException(kernel.name() + Arrays.toString(shape)
                        + ": N:M sparsity needs a kernel with an input and an output axis");
            }
            int inputs = (int) shape[shape.length - 2];
            int outputs = (int) shape[shape.length - 1];
            int positions = Slices.product(shape, 0, shape.length - 2);
            int perColumn = inputs / m;
            return new Groups(inputs, outputs, perColumn, m, positions * outputs * perColumn);
        }

        /** The index of the {@code k}-th value of group {@code g}. */
        int at(int g, int k) {
            int group = g % perColumn;
            int column = g / perColumn; // position * outputs + output
            int position = column / outputs;
            int output = column % outputs;
            return (position * inputs + group * m + k) * outputs + output;
        }
    }
}
