package io.distillery.prune;

import static io.distillery.prune.SparsityScheduleTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SparsityReportTest {

    private static Weights dense() {
        return new Weights(List.of(
                new NamedArray("dense_1/kernel", new long[] {2, 3}, new float[] {1, -2, 3, -4, 5, -6}),
                new NamedArray("dense_1/bias", new long[] {3}, new float[] {0.1f, 0f, 0.3f}),
                new NamedArray(
                        "dense_2/kernel", new long[] {3, 2}, new float[] {-0.6f, 0.5f, -0.4f, 0.3f, -0.2f, 0.1f}),
                new NamedArray("dense_2/bias", new long[] {2}, new float[] {0.01f, 0.02f})));
    }

    @Test
    void countsTheZerosReallyPresent() {
        Weights dense = dense();
        Weights pruned = Masks.magnitude(dense, 0.5).apply(dense);
        SparsityReport r = SparsityReport.of(dense, pruned);

        // kernels: 3 of 6 zeroed each; dense_1/bias brings one zero of its own, unpruned.
        assertEquals(17, r.totalParams());
        assertEquals(7, r.totalZeros());
        assertEquals(10, r.nonZeros());
        assertEquals(7.0 / 17.0, r.totalSparsity(), 1e-12);
        assertEquals(12, r.prunableParams());
        assertEquals(6, r.prunableZeros());
        assertEquals(0.5, r.prunableSparsity(), 1e-12);

        TensorSparsity bias = r.tensors().get(1);
        assertEquals("dense_1/bias", bias.name());
        assertEquals(false, bias.prunable());
        assertEquals(1.0 / 3.0, bias.sparsity(), 1e-12);
        assertEquals(
                new TensorSparsity("dense_2/kernel", 6, 3, true), r.tensors().get(2));
    }

    @Test
    void mapAndTableCarryTheSameNumbers() {
        Weights dense = dense();
        SparsityReport r = SparsityReport.of(dense, Masks.magnitude(dense, 0.5).apply(dense));

        Map<String, Object> map = r.toMap();
        assertEquals(17L, map.get("total_params"));
        assertEquals(10L, map.get("non_zeros"));
        assertEquals(0.5, map.get("prunable_sparsity"));
        assertEquals(r.denseGzipBytes(), map.get("gzip_bytes_dense"));
        List<?> rows = (List<?>) map.get("tensors");
        assertEquals(4, rows.size());
        assertEquals(
                Map.of("name", "dense_1/kernel", "prunable", true, "params", 6L, "zeros", 3L, "sparsity", 0.5),
                rows.get(0));

        String table = r.toTable();
        assertTrue(table.matches("(?s).*dense_1/kernel +yes +6 +3 +50\\.00%.*"), table);
        assertTrue(table.matches("(?s).*dense_1/bias +no +3 +1 +33\\.33%.*"), table);
        assertTrue(table.matches("(?s).*\nall +17 +7 +41\\.18%.*"), table); // 7/17
        assertTrue(table.contains("non-zeros: 10"), table);
        assertTrue(table.contains("gzip: dense " + r.denseGzipBytes() + " B"), table);
    }

    @Test
    void eightyPercentSparseRandomKernelGzipsToUnderFortyPercent() {
        Random random = new Random(7);
        float[] values = new float[100 * 100];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        Weights dense = new Weights(List.of(new NamedArray("dense_1/kernel", new long[] {100, 100}, values)));
        Weights pruned = Masks.magnitude(dense, 0.8).apply(dense);
        SparsityReport r = SparsityReport.of(dense, pruned);

        assertEquals(8000, r.totalZeros());
        // Random floats barely compress: the dense form stays near its 40 000 raw bytes.
        assertTrue(r.denseGzipBytes() > 30_000, () -> "dense gzip " + r.denseGzipBytes());
        assertTrue(
                r.prunedGzipBytes() < 0.4 * r.denseGzipBytes(),
                () -> "pruned " + r.prunedGzipBytes() + " vs dense " + r.denseGzipBytes());
        assertEquals((double) r.prunedGzipBytes() / r.denseGzipBytes(), r.gzipRatio(), 0.0);
        assertEquals(r.denseGzipBytes(), GzipSize.of(dense));
    }

    @Test
    void denseAndPrunedMustDescribeTheSameModel() {
        Weights dense = dense();
        Weights missing = new Weights(List.of(dense.get("dense_1/kernel")));
        assertMessage("dense and pruned weights must hold the same arrays", () -> SparsityReport.of(dense, missing));
        Weights reshaped = new Weights(List.of(
                new NamedArray("dense_1/kernel", new long[] {3, 2}, new float[6]),
                dense.get("dense_1/bias"),
                dense.get("dense_2/kernel"),
                dense.get("dense_2/bias")));
        assertMessage(
                "dense_1/kernel: pruned shape [3, 2] differs from dense [2, 3]",
                () -> SparsityReport.of(dense, reshaped));
    }
}
