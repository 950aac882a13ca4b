package io.distillery.serve.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distillery.serve.status.ServingException;
import io.distillery.serve.status.ServingStatus;
import io.distillery.serve.tensor.FloatTensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Batching without TensorFlow: the runner doubles every value and records the batches it sees. */
class BatcherTest {
    /** Long enough that only a full batch (or close) starts one: nothing here depends on timing. */
    static final Duration WAIT_FOR_FULL = Duration.ofSeconds(10);

    final List<long[]> calls = new CopyOnWriteArrayList<>();
    final Batcher.Runner doubler = inputs -> {
        FloatTensor x = inputs.get("x");
        calls.add(x.shape());
        float[] y = new float[x.values().length];
        for (int i = 0; i < y.length; i++) {
            y[i] = 2 * x.values()[i];
        }
        return Map.of("y", new FloatTensor(x.shape(), y));
    };

    @Test
    void requestsThatFillABatchRunAsOneCallAndGetTheirOwnRows() throws Exception {
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        try (Batcher batcher =
                new Batcher("m/1/sig", new BatchingOptions(6, WAIT_FOR_FULL, 1, 100), doubler, batchSizes::add)) {
            List<CompletableFuture<Map<String, FloatTensor>>> results = new ArrayList<>();
            int[] rows = {1, 2, 3};
            float next = 1;
            for (int r : rows) {
                float[] values = new float[r * 2];
                for (int i = 0; i < values.length; i++) {
                    values[i] = next++;
                }
                results.add(batcher.submit(Map.of("x", new FloatTensor(new long[] {r, 2}, values)), r));
            }

            assertArrayEquals(new float[] {2, 4}, get(results.get(0)).values());
            assertArrayEquals(new float[] {6, 8, 10, 12}, get(results.get(1)).values());
            assertArrayEquals(new long[] {3, 2}, get(results.get(2)).shape());
            assertArrayEquals(
                    new float[] {14, 16, 18, 20, 22, 24}, get(results.get(2)).values());
            assertEquals(1, calls.size());
            assertArrayEquals(new long[] {6, 2}, calls.get(0));
            assertEquals(List.of(6), batchSizes);
        }
    }

    @Test
    void requestsWithOtherInnerShapesShareTheBatchButNotTheCall() throws Exception {
        try (Batcher batcher =
                new Batcher("m/1/sig", new BatchingOptions(2, WAIT_FOR_FULL, 1, 100), doubler, n -> {})) {
            var a = batcher.submit(Map.of("x", new FloatTensor(new long[] {1, 3}, new float[] {1, 2, 3})), 1);
            var b = batcher.submit(Map.of("x", new FloatTensor(new long[] {1, 2}, new float[] {4, 5})), 1);

            assertArrayEquals(new float[] {2, 4, 6}, get(a).values());
            assertArrayEquals(new float[] {8, 10}, get(b).values());
            assertEquals(2, calls.size());
        }
    }

    @Test
    void aFullQueueRefusesAndCloseFailsWhatIsQueued() throws Exception {
        Batcher batcher = new Batcher("m/1/sig", new BatchingOptions(100, WAIT_FOR_FULL, 1, 2), doubler, n -> {});
        Map<String, FloatTensor> one = Map.of("x", new FloatTensor(new long[] {1, 1}, new float[] {1}));
        var first = batcher.submit(one, 1);
        var second = batcher.submit(one, 1);

        ServingException full = assertThrows(ServingException.class, () -> batcher.submit(one, 1));
        assertEquals(ServingStatus.RESOURCE_EXHAUSTED, full.status());

        batcher.close();
        for (var queued : List.of(first, second)) {
            ExecutionException failed = assertThrows(ExecutionException.class, () -> queued.get(10, TimeUnit.SECONDS));
            assertEquals(ServingStatus.UNAVAILABLE, ((ServingException) failed.getCause()).status());
        }
        assertEquals(
                ServingStatus.UNAVAILABLE,
                assertThrows(ServingException.class, () -> batcher.submit(one, 1))
                        .status());
        assertEquals(0, calls.size());
    }

    @Test
    void aFailingRunFailsEveryRequestOfTheBatch() throws Exception {
        Batcher.Runner failing = inputs -> {
            throw ServingException.invalid("bad batch");
        };
        try (Batcher batcher = new Batcher("m/1/sig", new BatchingOptions(2, WAIT_FOR_FULL, 1, 10), failing, n -> {})) {
            Map<String, FloatTensor> one = Map.of("x", new FloatTensor(new long[] {1, 1}, new float[] {1}));
            var a = batcher.submit(one, 1);
            var b = batcher.submit(one, 1);
            for (var result : List.of(a, b)) {
                ExecutionException failed =
                        assertThrows(ExecutionException.class, () -> result.get(10, TimeUnit.SECONDS));
                assertEquals("bad batch", failed.getCause().getMessage());
            }
        }
    }

    @Test
    void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new BatchingOptions(1, Duration.ZERO, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new BatchingOptions(8, Duration.ofMillis(-1), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new BatchingOptions(8, Duration.ZERO, 0, 1));
    }

    private static FloatTensor get(CompletableFuture<Map<String, FloatTensor>> result) throws Exception {
        return result.get(30, TimeUnit.SECONDS).get("y");
    }
}
