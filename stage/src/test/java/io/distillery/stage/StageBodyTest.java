package io.distillery.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.data.Shard;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.core.testing.Blobs;
import io.distillery.core.train.Augmentation;
import io.distillery.core.train.CollectiveWorker;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.Recipe;
import io.distillery.core.train.Replica;
import io.distillery.core.train.TrainingLoop;
import io.distillery.prune.PruningPlan;
import io.distillery.prune.PruningScope;
import io.distillery.prune.SparsityReport;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

/** Stage plans run on Arrow shards without Spark: progress, checkpoints, resume, pruning. */
class StageBodyTest {
    private static final int ROWS = 240;
    private static final int BATCH = 20;
    /** Dropout and batch norm: the two layers whose training-time behaviour a resume must reproduce. */
    private static final ModelSpec DROPOUT = ModelSpec.of(
            new int[] {2, 2, 1},
            3,
            List.of(
                    "conv2d(16,1,none,same)",
                    "batchnorm(relu)",
                    "dropout(0.3)",
                    "flatten",
                    "dense(16,relu)",
                    "dropout(0.3)",
                    "dense(3)"));

    /** Everything random or step-dependent a stage can do: what a resume must repeat exactly. */
    private static final Recipe EVERYTHING =
            new Recipe(Recipe.Schedule.COSINE, 1, 0.01, 0.1, new Augmentation(1, true));

    private static StagePlan.Teacher teacher(ModelSpec spec, int epochs) {
        return teacher(spec, epochs, Recipe.PLAIN);
    }

    private static StagePlan.Teacher teacher(ModelSpec spec, int epochs, Recipe recipe) {
        return new StagePlan.Teacher(
                spec,
                new StagePlan.Training(new TrainingLoop.Plan(epochs, BATCH, 0, 11), OptimizerSpec.adam(0.01), recipe));
    }

    private static Weights uninterrupted(StagePlan plan, Shard shard) {
        return new StageBody(plan, new MemoryStore(), 0, null)
                .run(0, shard, () -> Replica.LOCAL)
                .weights();
    }

    /** Killed when it writes its third checkpoint (every 5 steps: step 10 of 12, mid-epoch), then resumed. */
    private static Weights crashedMidEpochAndResumed(StagePlan plan, Shard shard) {
        MemoryStore store = new CrashingStore();
        assertThrows(
                CrashingStore.Crash.class,
                () -> new StageBody(plan, store, 5, null).run(0, shard, () -> Replica.LOCAL));
        Checkpoints.Checkpoint from = Checkpoints.latest(store);
        assertEquals(10, from.step());
        return new StageBody(plan, store, 5, from.name())
                .run(0, shard, () -> Replica.LOCAL)
                .weights();
    }

    @Test
    void aTeacherStageReportsEveryEpochAndKeepsTheNewestTwoCheckpoints() throws Exception {
        MemoryStore store = new MemoryStore();
        StageResult r;
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = Blobs.shard(allocator, ROWS, 1)) {
            r = new StageBody(teacher(DROPOUT, 3), store, 5, null).run(0, shard, () -> Replica.LOCAL);
        }
        assertEquals(3 * ROWS / BATCH, r.steps());
        assertEquals(3, r.epochs().size());
        assertTrue(r.epochs().get(2).accuracy() > 0.8, "blobs are learnt: " + r.epochs());
        assertEquals(List.of("0000.json", "0001.json", "0002.json"), store.list(Progress.EPOCHS));
        Progress last = Progress.parse(store.readString(Progress.FILE));
        assertTrue(last.epochDone());
        assertEquals(r.steps(), last.step());
        // Every 5 steps over 36 steps: 7 written, the newest two kept.
        assertEquals(List.of("step-0000000030.ckpt", "step-0000000035.ckpt"), store.list(Checkpoints.DIR));
        assertEquals(35, Checkpoints.latest(store).step());
    }

    /**
     * Stopped mid-epoch and resumed from its checkpoint, a stage with dropout ends bit-identical to an
     * uninterrupted run: dropout's randomness is a function of the seed and the step, not a state
     * outside the checkpoint (with TensorFlow's stateful random op the resumed run drew other masks).
     */
    @Test
    void aStageWithDropoutResumedMidEpochIsBitIdenticalToAnUninterruptedOne() throws Exception {
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = Blobs.shard(allocator, ROWS, 1)) {
            Weights whole = uninterrupted(teacher(DROPOUT, 3, EVERYTHING), shard);
            Weights resumed = crashedMidEpochAndResumed(teacher(DROPOUT, 3, EVERYTHING), shard);

            assertEquals(whole.sha256(), resumed.sha256());
            assertEquals(whole, resumed);
            Weights otherSeed = new StageBody(
                            teacher(DROPOUT, 3).withLoop(new TrainingLoop.Plan(3, BATCH, 0, 12)),
                            new MemoryStore(),
                            0,
                            null)
                    .run(0, shard, () -> Replica.LOCAL)
                    .weights();
            assertNotEquals(whole, otherSeed, "the seed reaches the weights");
        }
    }

    @Test
    void twoWorkersWithDropoutResumedMidEpochAreBitIdenticalToAnUninterruptedRun() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (BufferAllocator allocator = new RootAllocator();
                Shard s0 = Blobs.shard(allocator, ROWS, 1);
                Shard s1 = Blobs.shard(allocator, ROWS, 2)) {
            List<Shard> shards = List.of(s0, s1);
            StageResult[] whole = runTwo(pool, shards, teacher(DROPOUT, 3, EVERYTHING), new MemoryStore(), null);
            assertEquals(whole[0].weights(), whole[1].weights(), "the all-reduces keep the ranks in sync");
            float[] movingMean =
                    whole[0].weights().get("batchnorm_1/moving_mean").values();
            assertTrue(movingMean[0] != 0f, "batch norm's moving mean followed the batches");

            MemoryStore store = new CrashingStore();
            // Rank 0 dies at its third checkpoint; rank 1 then times out waiting for it in the all-reduce.
            ExecutionException killed = assertThrows(
                    ExecutionException.class, () -> runTwo(pool, shards, teacher(DROPOUT, 3, EVERYTHING), store, null));
            assertTrue(killed.getCause() instanceof CrashingStore.Crash, killed.toString());
            Checkpoints.Checkpoint from = Checkpoints.latest(store);
            assertEquals(10, from.step());
            StageResult[] resumed = runTwo(pool, shards, teacher(DROPOUT, 3, EVERYTHING), store, from.name());

            assertEquals(whole[0].weights().sha256(), resumed[0].weights().sha256());
            assertEquals(whole[0].weights(), resumed[1].weights());
        } finally {
            pool.shutdownNow();
        }
    }

    /** A store whose process "dies" the first time it writes the checkpoint of step 15. */
    private static final class CrashingStore extends MemoryStore {
        private boolean crashed;

        static final class Crash extends RuntimeException {
            Crash() {
                super("killed while writing the checkpoint of step 15");
            }
        }

        @Override
        public void write(String name, IoConsumer<java.io.OutputStream> writer) throws java.io.IOException {
            if (name.equals(Checkpoints.DIR + "/step-0000000015.ckpt") && !crashed) {
                crashed = true;
                throw new Crash();
            }
            super.write(name, writer);
        }
    }

    private static StageResult[] runTwo(
            ExecutorService pool, List<Shard> shards, StagePlan plan, MemoryStore store, String resumeFrom)
            throws Exception {
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            try (ServerSocket s = CollectiveWorker.reservePort("127.0.0.1")) {
                addresses.add("127.0.0.1:" + s.getLocalPort());
            }
        }
        List<Future<StageResult>> futures = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            int r = rank;
            CollectiveWorker worker = CollectiveWorker.start(new CollectiveWorker.Spec(addresses, r, 5_000, "", 1));
            futures.add(pool.submit(() -> new StageBody(plan, store, 5, resumeFrom)
                    .run(r, shards.get(r), () -> new Replica(worker.reducer(), worker::openSession))));
        }
        // Both ranks end before this returns, failed or not: none may still hold a shard's batch.
        StageResult[] out = new StageResult[2];
        ExecutionException first = null;
        for (int r = 0; r < 2; r++) {
            try {
                out[r] = futures.get(r).get();
            } catch (ExecutionException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
        return out;
    }

    /**
     * With consistent teaching the teacher scores every augmented batch: a distilled stage stopped
     * mid-epoch and resumed still ends bit-identical (the teacher is a function of the rows it is
     * given), and it learns something else than from logits scored once.
     */
    @Test
    void aConsistentlyTaughtStageResumedMidEpochIsBitIdenticalToAnUninterruptedOne() throws Exception {
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = Blobs.shard(allocator, ROWS, 1)) {
            StagePlan.Model trained = new StagePlan.Model(DROPOUT, uninterrupted(teacher(DROPOUT, 2), shard));
            StagePlan.Training training = new StagePlan.Training(
                    new TrainingLoop.Plan(3, BATCH, 0, 11), OptimizerSpec.adam(0.01), EVERYTHING);
            StagePlan.Distilled consistent =
                    new StagePlan.Distilled(DROPOUT, training, new StagePlan.Teaching(trained, 0.5, 2.0, true));
            Weights whole = uninterrupted(consistent, shard);
            assertEquals(whole, crashedMidEpochAndResumed(consistent, shard));

            StagePlan.Distilled scoredOnce =
                    new StagePlan.Distilled(DROPOUT, training, new StagePlan.Teaching(trained, 0.5, 2.0));
            assertNotEquals(whole, uninterrupted(scoredOnce, shard), "the augmented rows' logits reach the student");

            // Function matching: mixup on top, the teacher scoring the mixed rows; a resume repeats the mixes.
            StagePlan.Training mixed = new StagePlan.Training(
                    new TrainingLoop.Plan(3, BATCH, 0, 11),
                    OptimizerSpec.adam(0.01),
                    new Recipe(Recipe.Schedule.COSINE, 1, 0.01, 0.1, new Augmentation(1, true, 1)));
            StagePlan.Distilled matching =
                    new StagePlan.Distilled(DROPOUT, mixed, new StagePlan.Teaching(trained, 0.5, 2.0, true));
            Weights matched = uninterrupted(matching, shard);
            assertEquals(matched, crashedMidEpochAndResumed(matching, shard));
            assertNotEquals(whole, matched, "mixup changes what the student learns");
        }
    }

    @Test
    void aPrunedStageReachesItsSparsityAndPinsItsInputs() throws Exception {
        ModelSpec spec = ModelSpec.of(new int[] {4}, 3, List.of("dense(32,relu)", "dense(3)"));
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = Blobs.shard(allocator, ROWS, 1)) {
            StagePlan.Model trained = new StagePlan.Model(spec, uninterrupted(teacher(spec, 2), shard));
            StagePlan.Pruned plan = new StagePlan.Pruned(
                    trained,
                    new StagePlan.Training(new TrainingLoop.Plan(3, BATCH, 0, 11), OptimizerSpec.adam(0.005)),
                    new StagePlan.Teaching(trained, 0.5, 2.0),
                    new PruningPlan(PruningPlan.Kind.POLYNOMIAL_DECAY, 0, 0.6, 0, -1, 100, 3));
            Weights pruned = uninterrupted(plan, shard);
            double sparsity = SparsityReport.of(trained.weights(), pruned, PruningScope.KERNELS)
                    .prunableSparsity();
            assertTrue(sparsity >= 0.59 && sparsity <= 0.61, "kernel sparsity " + sparsity);
            assertEquals(
                    0,
                    pruned.get("dense_1/bias").zeros()
                            - trained.weights().get("dense_1/bias").zeros(),
                    "biases are never pruned");
            assertEquals(trained.weights().sha256(), plan.inputs().get("start"));
            assertNotNull(plan.inputs().get("teacher"));
        }
    }
}
