package io.distillery.prune;

import io.distillery.core.model.NamedArray;
import java.util.Arrays;

/**
 * Index arithmetic on one axis of a row-major array: slice {@code i} of axis {@code a} is every entry
 * whose coordinate on {@code a} is {@code i} (a dense kernel's column, a conv kernel's input channel).
 * Seen as {@code [outer, length, inner]}, entry {@code (o, i, r)} sits at {@code (o * length + i) * inner + r}.
 */
final class Slices {
    private Slices() {}

    /** The product of {@code shape[from..to)}. */
    static int product(long[] shape, int from, int to) {
        long n = 1;
        for (int d = from; d < to; d++) {
            n *= shape[d];
        }
        return Math.toIntExact(n);
    }

    /** The mask that keeps the slices of {@code axis} where {@code keep} is true. */
    static TensorMask mask(NamedArray array, int axis, boolean[] keep) {
        long[] shape = array.shape();
        check(array, axis, keep);
        int length = (int) shape[axis];
        int inner = product(shape, axis + 1, shape.length);
        boolean[] entries = new boolean[array.values().length];
        for (int e = 0; e < entries.length; e++) {
            entries[e] = keep[e / inner % length];
        }
        return new TensorMask(array.name(), shape, entries);
    }

    /** {@code array} without the slices of {@code axis} where {@code keep} is false. */
    static NamedArray select(NamedArray array, int axis, boolean[] keep) {
        long[] shape = array.shape();
        check(array, axis, keep);
        int length = (int) shape[axis];
        int inner = product(shape, axis + 1, shape.length);
        float[] values = array.values();
        int kept = count(keep);
        float[] out = new float[values.length / length * kept];
        int next = 0;
        for (int e = 0; e < values.length; e++) {
            if (keep[e / inner % length]) {
                out[next++] = values[e];
            }
        }
        long[] smaller = shape.clone();
        smaller[axis] = kept;
        return new NamedArray(array.name(), smaller, out);
    }

    /** Per slice of {@code axis}, the sum of its squared values. */
    static double[] sumsOfSquares(NamedArray array, int axis) {
        long[] shape = array.shape();
        int length = (int) shape[axis];
        int inner = product(shape, axis + 1, shape.length);
        float[] values = array.values();
        double[] sums = new double[length];
        for (int e = 0; e < values.length; e++) {
            sums[e / inner % length] += (double) values[e] * values[e];
        }
        return sums;
    }

    /** Per slice of {@code axis}, whether any of its values is not exactly zero. */
    static boolean[] nonZero(NamedArray array, int axis) {
        long[] shape = array.shape();
        int length = (int) shape[axis];
        int inner = product(shape, axis + 1, shape.length);
        float[] values = array.values();
        boolean[] out = new boolean[length];
        for (int e = 0; e < values.length; e++) {
            if (values[e] != 0f) {
                out[e / inner % length] = true;
            }
        }
        return out;
    }

    static int count(boolean[] keep) {
        int n = 0;
        for (boolean k : keep) {
            if (k) {
                n++;
            }
        }
        return n;
    }

    private static void check(NamedArray array, int axis, boolean[] keep) {
        long[] shape = array.shape();
        if (axis < 0 || axis >= shape.length || shape[axis] != keep.length) {
            throw new IllegalArgumentException(array.name() + Arrays.toString(shape) + ": cannot select " + keep.length
                    + " slices along axis " + axis);
        }
    }
}
