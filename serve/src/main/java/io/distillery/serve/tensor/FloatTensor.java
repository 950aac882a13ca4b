package io.distillery.serve.tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A dense float32 tensor, row-major, as decoded from a request or copied out of TensorFlow.
 *
 * <p>The tensor owns {@code values} without copying it (requests carry up to millions of floats):
 * whoever builds one hands the array over and must not change it afterwards, and {@link #values()}
 * returns that same array, to be read only.
 *
 * @param shape  every dimension {@code >= 0}; {@code []} is a scalar
 * @param values {@code product(shape)} values
 */
public record FloatTensor(long[] shape, float[] values) {

    public FloatTensor {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(values, "values");
        shape = shape.clone();
        long count = elementCount(shape);
        if (count != values.length) {
            throw new IllegalArgumentException("a tensor of shape " + Arrays.toString(shape) + " holds " + count
                    + " values, found " + values.length);
        }
    }

    /** The number of elements of {@code shape}; fails on a negative or overflowing dimension. */
    public static long elementCount(long[] shape) {
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor dimensions must be >= 0, found " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, d);
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "a tensor of shape " + Arrays.toString(shape) + " is too large for one Java array");
        }
        return count;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis];
    }

    /** The shape as TF Serving prints it in messages, e.g. {@code [1,784]}. */
    public String shapeText() {
        return Arrays.toString(shape).replace(" ", "");
    }

    /** Rows {@code [from, to)} along the first dimension, as a copy. */
    public FloatTensor rows(int from, int to) {
        if (shape.length == 0 || from < 0 || to > shape[0] || from > to) {
            throw new IllegalArgumentException(
                    "rows [" + from + ", " + to + ") are outside a tensor of shape " + shapeText());
        }
        int rowSize = values.length == 0 ? 0 : (int) (values.length / shape[0]);
        long[] part = shape.clone();
        part[0] = to - from;
        return new FloatTensor(part, Arrays.copyOfRange(values, from * rowSize, to * rowSize));
    }

    /** Joins tensors along the first dimension; all must agree on the other dimensions. */
    public static FloatTensor concatRows(List<FloatTensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate");
        }
        FloatTensor first = parts.get(0);
        if (parts.size() == 1) {
            return first;
        }
        long rows = 0;
        int length = 0;
        for (FloatTensor part : parts) {
            if (!sameInnerShape(first, part)) {
                throw new IllegalArgumentException(
                        "cannot join tensors of shapes " + first.shapeText() + " and " + part.shapeText());
            }
            rows += part.shape[0];
            length = Math.addExact(length, part.values.length);
        }
        float[] joined = new float[length];
        int at = 0;
        for (FloatTensor part : parts) {
            System.arraycopy(part.values, 0, joined, at, part.values.length);
            at += part.values.length;
        }
        long[] shape = first.shape.clone();
        shape[0] = rows;
        return new FloatTensor(shape, joined);
    }

    /** Whether both have rank {@code >= 1} and agree on every dimension after the first. */
    public static boolean sameInnerShape(FloatTensor a, FloatTensor b) {
        return a.shape.length >= 1
                && a.shape.length == b.shape.length
                && Arrays.equals(a.shape, 1, a.shape.length, b.shape, 1, b.shape.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(values, t.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "FloatTensor" + shapeText();
    }
}
