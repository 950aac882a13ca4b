package io.distillery.prune;

import io.distillery.core.model.NamedArray;

/**
 * Zeros actually present in one weight array (whatever made them), and whether the array was in the
 * pruning scope.
 */
public record TensorSparsity(String name, long size, long zeros, boolean prunable) {

    public TensorSparsity {
        if (name == null) {
            throw new IllegalArgumentException("tensor name must be set, found null");
        }
        if (size < 0 || zeros < 0 || zeros > size) {
            throw new IllegalArgumentException(name + ": zeros must be in [0, size = " + size + "], found " + zeros);
        }
    }

    public static TensorSparsity of(NamedArray array, boolean prunable) {
        return new TensorSparsity(array.name(), array.values().length, array.zeros(), prunable);
    }

    public long nonZeros() {
        return size - zeros;
    }

    /** Fraction of zeros; 0 for an empty array. */
    public double sparsity() {
        return size == 0 ? 0.0 : (double) zeros / size;
    }
}
