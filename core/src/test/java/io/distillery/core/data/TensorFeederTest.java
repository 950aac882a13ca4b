package io.distillery.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Arrow batches into tensors: shapes, values in row order, and a gathered (non-contiguous) batch. */
class TensorFeederTest {
    @Test
    void aGatheredBatchBecomesTensorsOfItsRowsInOrder() {
        float[] x = new float[5 * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * 0.5f;
        }
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = Shard.builder(allocator, 5)
                        .floatColumn(Columns.FEATURES, 3)
                        .put(Columns.FEATURES, x)
                        .labels(new int[] {4, 3, 2, 1, 0})
                        .build();
                VectorSchemaRoot batch = shard.gather(new int[] {3, 0, 3});
                TFloat32 features = TensorFeeder.floats(batch, Columns.FEATURES);
                TInt32 labels = TensorFeeder.labels(batch)) {
            assertArrayEquals(new long[] {3, 3}, features.shape().asArray());
            float[] got = new float[9];
            features.copyTo(DataBuffers.of(got, false, false));
            assertArrayEquals(new float[] {4.5f, 5f, 5.5f, 0f, 0.5f, 1f, 4.5f, 5f, 5.5f}, got);
            assertArrayEquals(new long[] {3}, labels.shape().asArray());
            int[] y = new int[3];
            labels.copyTo(DataBuffers.of(y, false, false));
            assertArrayEquals(new int[] {1, 4, 1}, y);
            // A second, smaller batch on the same thread reuses the scratch array without leaking old values.
            try (VectorSchemaRoot one = shard.gather(new int[] {2});
                    TFloat32 f1 = TensorFeeder.floats(one, Columns.FEATURES)) {
                assertEquals(3, f1.shape().size());
                float[] v = new float[3];
                f1.copyTo(DataBuffers.of(v, false, false));
                assertArrayEquals(new float[] {3f, 3.5f, 4f}, v);
            }
        }
    }

    @Test
    void aMissingColumnIsNamed() {
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = Shard.builder(allocator, 1)
                        .floatColumn(Columns.FEATURES, 2)
                        .put(Columns.FEATURES, new float[] {1, 2})
                        .labels(new int[] {0})
                        .build();
                VectorSchemaRoot batch = shard.gather(new int[] {0})) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> TensorFeeder.floats(batch, "teacher_logits"));
            assertEquals(true, e.getMessage().contains("teacher_logits"), e.getMessage());
        }
    }
}
