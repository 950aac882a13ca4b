package io.distillery.core.testing;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;

/** Three Gaussian blobs in 4-D, one per class: a problem a small MLP must solve, for training tests. */
public final class Blobs {
    private Blobs() {}

    /** {@code rows} rows, class {@code i % 3}, features drawn from {@code seed}. */
    public static Shard shard(BufferAllocator allocator, int rows, long seed) {
        Random r = new Random(seed);
        float[] x = new float[rows * 4];
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = i % 3;
            for (int d = 0; d < 4; d++) {
                x[i * 4 + d] = (float) ((d == y[i] ? 2.0 : 0.0) + 0.5 * r.nextGaussian());
            }
        }
        return Shard.builder(allocator, rows)
                .floatColumn(Columns.FEATURES, 4)
                .put(Columns.FEATURES, x)
                .labels(y)
                .build();
    }
}
