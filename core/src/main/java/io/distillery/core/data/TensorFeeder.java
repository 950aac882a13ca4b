package io.distillery.core.data;

import java.nio.ByteOrder;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Turns Arrow columns into TensorFlow tensors with one bulk copy each: the Arrow data buffer is viewed
 * as a little-endian {@link java.nio.FloatBuffer} and copied into the tensor's memory in one call.
 * The caller owns (and closes) the tensors returned.
 */
public final class TensorFeeder {
  private TensorFeeder() {}

  /** A fixed-size-list float column as a {@code [rows, width]} tensor. */
  public static TFloat32 floats(VectorSchemaRoot batch, String column) {
    if (batch.getVector(column) == null) {
      throw new IllegalArgumentException("batch has no column " + column + "; has " + batch.getSchema());
    }
    FixedSizeListVector list = (FixedSizeListVector) batch.getVector(column);
    int rows = batch.getRowCount();
    int width = list.getListSize();
    Float4Vector data = (Float4Vector) list.getDataVector();
    var floats =
        data.getDataBuffer()
            .nioBuffer(0, rows * width * 4)
            .order(ByteOrder.LITTLE_ENDIAN)
            .asFloatBuffer();
    return TFloat32.tensorOf(Shape.of(rows, width), DataBuffers.of(floats));
  }

  /** The int label column as a {@code [rows]} tensor. */
  public static TInt32 labels(VectorSchemaRoot batch) {
    IntVector labels = (IntVector) batch.getVector(Columns.LABEL);
    int rows = batch.getRowCount();
    var ints = labels.getDataBuffer().nioBuffer(0, rows * 4).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
    return TInt32.tensorOf(Shape.of(rows), DataBuffers.of(ints));
  }
}
