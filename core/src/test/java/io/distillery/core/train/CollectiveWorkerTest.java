package io.distillery.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;

/**
 * Two collective workers in one JVM (two TF servers, two threads): the all-reduce gives both the same
 * weights, bit for bit, and those are the weights of one worker training on both halves of each batch.
 */
class CollectiveWorkerTest {
    private static final ModelSpec SPEC = ModelSpec.of(new int[] {4}, 3, List.of("dense(8,relu)", "dense(3)"));
    private static final int ROWS = 96;
    private static final int BATCH = 16;
    private static final TrainingLoop.Plan PLAN = new TrainingLoop.Plan(2, BATCH, ROWS / BATCH, 5);

    @Test
    void twoWorkersEndBitIdenticalAndEqualToOneWorkerOnTheUnionOfTheirBatches() throws Exception {
        List<String> addresses = new ArrayList<>();
        List<ServerSocket> reserved = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ServerSocket s = CollectiveWorker.reservePort("127.0.0.1");
            reserved.add(s);
            addresses.add("127.0.0.1:" + s.getLocalPort());
        }
        for (ServerSocket s : reserved) {
            s.close();
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Weights[] results = new Weights[2];
        try (BufferAllocator allocator = new RootAllocator()) {
            List<Future<Weights>> futures = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++) {
                int r = rank;
                CollectiveWorker worker =
                        CollectiveWorker.start(new CollectiveWorker.Spec(addresses, r, 30_000, "", 1));
                futures.add(pool.submit(() -> train(allocator, worker, r)));
            }
            for (int i = 0; i < 2; i++) {
                results[i] = futures.get(i).get();
            }

            for (NamedArray a : results[0].asMap().values()) {
                assertArrayEquals(a.values(), results[1].get(a.name()).values(), "bit-identical " + a.name());
            }

            // One worker, each step on the two shards' batches side by side: the mean of two means.
            try (Shard both = blobs(allocator, 2 * ROWS, -1);
                    Trainer t = new Trainer(
                            Trainer.Options.local(SPEC, Loss.crossEntropy(), OptimizerSpec.adam(0.01), 5))) {
                t.load(Initializer.glorotUniform(SPEC, 5));
                for (int epoch = 0; epoch < PLAN.epochs(); epoch++) {
                    int[] order = TrainingLoop.order(ROWS, PLAN.stepsPerEpoch() * BATCH, PLAN.seed(), epoch);
                    for (int s = 0; s < PLAN.stepsPerEpoch(); s++) {
                        int[] idx = new int[2 * BATCH];
                        for (int i = 0; i < BATCH; i++) {
                            idx[i] = order[s * BATCH + i];
                            idx[BATCH + i] = ROWS + order[s * BATCH + i];
                        }
                        try (VectorSchemaRoot batch = both.gather(idx)) {
                            t.step(batch);
                        }
                    }
                }
                Weights single = t.weights();
                for (NamedArray a : single.asMap().values()) {
                    float[] d = results[0].get(a.name()).values();
                    for (int i = 0; i < d.length; i++) {
                        assertEquals(a.values()[i], d[i], 1e-4, a.name() + "[" + i + "]");
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Weights train(BufferAllocator allocator, CollectiveWorker worker, int rank) {
        Trainer.Options options = Trainer.Options.local(SPEC, Loss.crossEntropy(), OptimizerSpec.adam(0.01), 5)
                .withReducer(worker.reducer(), worker::openSession);
        try (Shard shard = blobs(allocator, ROWS, rank);
                Trainer t = new Trainer(options)) {
            t.load(Initializer.glorotUniform(SPEC, 5));
            TrainingLoop.run(t, shard, PLAN, new TrainingLoop.Listener() {});
            assertEquals(PLAN.epochs() * PLAN.stepsPerEpoch(), t.step());
            return t.weights();
        }
    }

    /** Shard {@code part} (0 or 1) of the blobs, or both concatenated for {@code part = -1}. */
    private static Shard blobs(BufferAllocator allocator, int rows, int part) {
        if (part >= 0) {
            return TrainerTest.blobs(allocator, rows, 100 + part);
        }
        try (Shard a = TrainerTest.blobs(allocator, rows / 2, 100);
                Shard b = TrainerTest.blobs(allocator, rows / 2, 101)) {
            float[] x = new float[rows * 4];
            System.arraycopy(a.floats(Columns.FEATURES), 0, x, 0, rows * 2);
            System.arraycopy(b.floats(Columns.FEATURES), 0, x, rows * 2, rows * 2);
            int[] y = new int[rows];
            System.arraycopy(a.labels(), 0, y, 0, rows / 2);
            System.arraycopy(b.labels(), 0, y, rows / 2, rows / 2);
            return Shard.builder(allocator, rows)
                    .floatColumn(Columns.FEATURES, 4)
                    .put(Columns.FEATURES, x)
                    .labels(y)
                    .build();
        }
    }

    @Test
    void configCarriesLeaderFiltersTimeoutAndGpus() {
        ConfigProto c =
                CollectiveWorker.config(new CollectiveWorker.Spec(List.of("h0:1000", "h1:1001"), 1, 5_000, "3", 2));
        assertEquals("/job:worker/replica:0/task:0", c.getExperimental().getCollectiveGroupLeader());
        assertEquals(List.of("/job:worker/task:1"), c.getDeviceFiltersList());
        assertEquals(5_000, c.getOperationTimeoutInMs());
        assertEquals("3", c.getGpuOptions().getVisibleDeviceList());
        assertEquals(2, c.getIntraOpParallelismThreads());
        var def = CollectiveWorker.serverDef(
                new CollectiveWorker.Spec(List.of("h0:1000", "h1:1001"), 1, 5_000, "", 0), c);
        assertEquals("h1:1001", def.getCluster().getJob(0).getTasksMap().get(1));
        assertEquals(1, def.getTaskIndex());
        assertTrue(def.hasDefaultSessionConfig());
    }

    @Test
    void specRejectsWhatWouldHang() {
        assertThrows(IllegalArgumentException.class, () -> new CollectiveWorker.Spec(List.of("h0:1000"), 0, 0, "", 0));
        assertThrows(
                IllegalArgumentException.class, () -> new CollectiveWorker.Spec(List.of("h0:1000"), 1, 1000, "", 0));
        assertThrows(IllegalArgumentException.class, () -> new CollectiveWorker.Spec(List.of("h0"), 0, 1000, "", 0));
    }
}
