package io.distillery.prune;

import io.distillery.core.model.NamedArray;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;

/**
 * Which values of one weight array survive pruning: {@code keep[i]} is false for a pruned value.
 * Row-major like {@link NamedArray}, and immutable (arrays are copied in and out).
 */
public record TensorMask(String name, long[] shape, boolean[] keep) {

    public TensorMask {
        if (name == null) {
            throw new IllegalArgumentException("mask name must be set, found null");
        }
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != keep.length) {
            throw new IllegalArgumentException(
                    name + ": mask shape " + Arrays.toString(shape) + " needs " + n + " entries, found " + keep.length);
        }
        shape = shape.clone();
        keep = keep.clone();
    }

    /**
     * Prunes the {@code floor(sparsity * n)} values of smallest magnitude; among equal magnitudes the
     * lower index is pruned first, so the result depends on the values only. {@code floor} is taken on
     * the decimal value of {@code sparsity}, so 0.29 of 100 values prunes 29 (not 28, as
     * {@code Math.floor(0.29 * 100)} would).
     *
     * <p>TF-MOT instead keeps {@code max(1, round(n * (1 - sparsity)))} values and, on ties at the
     * threshold, keeps them all; the two agree whenever there is no tie at the threshold and
     * {@code sparsity * n} is an integer.
     *
     * @throws IllegalArgumentException if {@code sparsity} is outside [0, 1) or a value is NaN
     */
    public static TensorMask magnitude(NamedArray array, double sparsity) {
        if (!(sparsity >= 0.0 && sparsity < 1.0)) {
            throw new IllegalArgumentException(array.name() + ": sparsity must be in [0, 1), found " + sparsity);
        }
        float[] values = array.values();
        int pruned = prunedCount(values.length, sparsity);
        // Sort (|w|, index) pairs packed into longs: the bits of a non-negative, non-NaN float order
        // like its value, and the index in the low half breaks ties.
        long[] order = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            if (Float.isNaN(values[i])) {
                throw new IllegalArgumentException(
                        array.name() + "[" + i + "] is NaN, cannot rank magnitudes; did training diverge?");
            }
            order[i] = ((long) Float.floatToIntBits(Math.abs(values[i])) << 32) | i;
        }
        Arrays.sort(order);
        boolean[] keep = new boolean[values.length];
        Arrays.fill(keep, true);
        for (int r = 0; r < pruned; r++) {
            keep[(int) order[r]] = false;
        }
        return new TensorMask(array.name(), array.shape(), keep);
    }

    /** Prunes nothing. */
    public static TensorMask keepAll(NamedArray array) {
        boolean[] keep = new boolean[array.values().length];
        Arrays.fill(keep, true);
        return new TensorMask(array.name(), array.shape(), keep);
    }

    /**
     * The mask that {@link #apply} would have produced {@code array} from: exact zeros are pruned.
     * Recovers masks from stripped or checkpointed weights, e.g. to resume a pruning fine-tune.
     */
    public static TensorMask fromZeros(NamedArray array) {
        float[] values = array.values();
        boolean[] keep = new boolean[values.length];
        for (int i = 0; i < values.length; i++) {
            keep[i] = values[i] != 0f;
        }
        return new TensorMask(array.name(), array.shape(), keep);
    }

    /** {@code array} with pruned values set to exactly {@code +0.0f}; the input is not modified. */
    public NamedArray apply(NamedArray array) {
        if (!name.equals(array.name()) || !Arrays.equals(shape, array.shape())) {
            throw new IllegalArgumentException(
                    "mask " + this + " cannot apply to weight " + array + "; name and shape must match");
        }
        float[] out = array.values().clone();
        for (int i = 0; i < out.length; i++) {
            if (!keep[i]) {
                out[i] = 0f;
            }
        }
        return new NamedArray(name, shape, out);
    }

    /** The mask as 1 (keep) and 0 (pruned), to multiply into the weights in the graph. */
    public float[] floats() {
        float[] out = new float[keep.length];
        for (int i = 0; i < keep.length; i++) {
            out[i] = keep[i] ? 1f : 0f;
        }
        return out;
    }

    public boolean keeps(int index) {
        return keep[index];
    }

    public int size() {
        return keep.length;
    }

    public int prunedCount() {
        int pruned = 0;
        for (boolean k : keep) {
            if (!k) {
                pruned++;
            }
        }
        return pruned;
    }

    /** Fraction of pruned entries; 0 for an empty array. */
    public double sparsity() {
        return keep.length == 0 ? 0.0 : (double) prunedCount() / keep.length;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean[] keep() {
        return keep.clone();
    }

    /** {@code floor(sparsity * n)} on the decimal value of {@code sparsity}. */
    static int prunedCount(int n, double sparsity) {
        return new BigDecimal(Double.toString(sparsity))
                .multiply(BigDecimal.valueOf(n))
                .setScale(0, RoundingMode.FLOOR)
                .intValueExact();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorMask m
                && name.equals(m.name)
                && Arrays.equals(shape, m.shape)
                && Arrays.equals(keep, m.keep);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(keep);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " pruned " + prunedCount() + "/" + keep.length;
    }
}
