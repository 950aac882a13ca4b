package io.distillery.jobs.spark;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import java.util.Arrays;
import java.util.Iterator;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Spark rows (already validated) into an Arrow {@link Shard}: each row's feature array is copied in
 * bulk ({@code ArrayData.toFloatArray}), then the columns move into Arrow memory in one copy each.
 */
final class ShardReader {
    private ShardReader() {}

    static Shard read(Iterator<InternalRow> rows, int width, BufferAllocator allocator) {
        float[] features = new float[1024 * width];
        int[] labels = new int[1024];
        int n = 0;
        while (rows.hasNext()) {
            InternalRow r = rows.next();
            if (n == labels.length) {
                labels = Arrays.copyOf(labels, n * 2);
                features = Arrays.copyOf(features, n * 2 * width);
            }
            float[] x = r.getArray(0).toFloatArray();
            if (x.length != width) {
                throw new IllegalStateException(
                        "row with " + x.length + " features reached training; expected " + width);
            }
            System.arraycopy(x, 0, features, n * width, width);
            labels[n] = r.getInt(1);
            n++;
        }
        return Shard.builder(allocator, n)
                .floatColumn(Columns.FEATURES, width)
                .put(Columns.FEATURES, Arrays.copyOf(features, n * width))
                .labels(Arrays.copyOf(labels, n))
                .build();
    }
}
