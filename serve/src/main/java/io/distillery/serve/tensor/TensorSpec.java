package io.distillery.serve.tensor;

import java.util.Arrays;
import java.util.Objects;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * One input or output of a signature, as its {@code TensorInfo} declares it.
 *
 * @param key         the signature's key for it ({@code input}, {@code probabilities})
 * @param dtype       TensorFlow's element type
 * @param dims        the declared shape, {@code -1} for an unknown dimension; empty when the rank is
 *                    unknown
 * @param unknownRank whether the signature leaves the rank open
 */
public record TensorSpec(String key, DataType dtype, long[] dims, boolean unknownRank) {

    public TensorSpec {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(dims, "dims");
        dims = dims.clone();
        for (long d : dims) {
            if (d < -1) {
                throw new IllegalArgumentException(
                        "tensor '" + key + "': dimensions are >= -1, found " + Arrays.toString(dims));
            }
        }
        if (unknownRank && dims.length > 0) {
            throw new IllegalArgumentException("tensor '" + key + "': an unknown rank has no dimensions");
        }
    }

    /** Reads a signature's {@code TensorInfo}. */
    public static TensorSpec of(String key, TensorInfo info) {
        TensorShapeProto shape = info.getTensorShape();
        long[] dims = shape.getDimList().stream()
                .mapToLong(TensorShapeProto.Dim::getSize)
                .toArray();
        return new TensorSpec(key, info.getDtype(), dims, shape.getUnknownRank());
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** Whether the first dimension is the open batch dimension ({@code [-1, ...]}). */
    public boolean batchedOnFirstDim() {
        return !unknownRank && dims.length >= 1 && dims[0] == -1;
    }

    /** Whether {@code shape} fits: same rank and every known dimension equal. */
    public boolean accepts(long[] shape) {
        if (unknownRank) {
            return true;
        }
        if (shape.length != dims.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != -1 && dims[i] != shape[i]) {
                return false;
            }
        }
        return true;
    }

    /** The declared shape as TF prints it, e.g. {@code [-1,784]}, or {@code <unknown>}. */
    public String shapeText() {
        return unknownRank ? "<unknown>" : Arrays.toString(dims).replace(" ", "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t
                && key.equals(t.key)
                && dtype == t.dtype
                && Arrays.equals(dims, t.dims)
                && unknownRank == t.unknownRank;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, dtype, Arrays.hashCode(dims), unknownRank);
    }

    @Override
    public String toString() {
        return key + ":" + dtype + shapeText();
    }
}
