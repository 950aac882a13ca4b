package io.distillery.core.model;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A named dense float32 array in row-major order: one variable's value ({@code dense_1/kernel}).
 *
 * @param shape TensorFlow shape, e.g. {@code [784, 128]} for a dense kernel
 */
public record NamedArray(String name, long[] shape, float[] values) implements Serializable {

    public NamedArray {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(
                    name + ": shape " + Arrays.toString(shape) + " needs " + n + " values, found " + values.length);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of exact zeros. */
    public long zeros() {
        long z = 0;
        for (float v : values) {
            if (v == 0f) {
                z++;
            }
        }
        return z;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamedArray a
                && name.equals(a.name)
                && Arrays.equals(shape, a.shape)
                && Arrays.equals(values, a.values);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
