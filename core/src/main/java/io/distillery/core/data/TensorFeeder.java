package io.distillery.core.data;

import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Turns Arrow columns into TensorFlow tensors with bulk copies only: the Arrow data buffer is viewed as
 * a little-endian {@link java.nio.FloatBuffer}, read into a heap array in one call, and that array
 * copied into the tensor in one call. No per-element Java loop.
 * The caller owns (and closes) the tensors returned.
 */
public final class TensorFeeder {
    // One scratch array per thread, grown as needed: no garbage per step (resident memory stays flat).
    private static final ThreadLocal<float[]> FLOATS = ThreadLocal.withInitial(() -> new float[0]);

    private TensorFeeder() {}

    private static float[] floatScratch(int n) {
        float[] a = FLOATS.get();
        if (a.length < n) {
            a = new float[n];
            FLOATS.set(a);
        }
        return a;
    }

    /** A fixed-size-list float column as a {@code [rows, width]} tensor. */
    public static TFloat32 floats(VectorSchemaRoot batch, String column) {
        return floats(batch, column, null);
    }

    /** Changes a batch's values in place before they become a tensor (e.g. augmentation). */
    @FunctionalInterface
    public interface Transform {
        void apply(float[] values, int rows);
    }

    /** As {@link #floats(VectorSchemaRoot, String)}, with {@code transform} (or null) applied to the rows first. */
    public static TFloat32 floats(VectorSchemaRoot batch, String column, Transform transform) {
        if (batch.getVector(column) == null) {
            throw new IllegalArgumentException("batch has no column " + column + "; has " + batch.getSchema());
        }
        FixedSizeListVector list = (FixedSizeListVector) batch.getVector(column);
        int rows = batch.getRowCount();
        int width = list.getListSize();
        Float4Vector data = (Float4Vector) list.getDataVector();
        // Two bulk copies (Arrow → heap array → tensor) beat one element-wise copy from an NIO view,
        // which is what TF's ndarray falls back to for a direct FloatBuffer.
        int n = rows * width;
        float[] values = floatScratch(n);
        Shard.littleEndian(data.getDataBuffer(), n).asFloatBuffer().get(values, 0, n);
        if (transform != null) {
            transform.apply(values, rows);
        }
        return TFloat32.tensorOf(
                Shape.of(rows, width), DataBuffers.of(values, true, false).narrow(n));
    }

    /** The int label column as a {@code [rows]} tensor. */
    /** Rows of {@code batch} with a label (not -1). */
    public static int labelled(VectorSchemaRoot batch) {
        // The data buffer, not get(i): shards fill it in bulk without validity bits.
        var data = ((IntVector) batch.getVector(Columns.LABEL)).getDataBuffer();
        int n = 0;
        for (int i = 0; i < batch.getRowCount(); i++) {
            if (data.getInt((long) i * Integer.BYTES) >= 0) {
                n++;
            }
        }
        return n;
    }

    public static TInt32 labels(VectorSchemaRoot batch) {
        IntVector labels = (IntVector) batch.getVector(Columns.LABEL);
        int rows = batch.getRowCount();
        int[] values = new int[rows];
        Shard.littleEndian(labels.getDataBuffer(), rows).asIntBuffer().get(values);
        return TInt32.tensorOf(Shape.of(rows), DataBuffers.of(values, true, false));
    }
}
