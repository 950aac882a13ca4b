package io.distillery.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.data.Shard;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import io.distillery.core.testing.Blobs;
import io.distillery.core.train.Loss;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.Trainer;
import io.distillery.core.train.TrainerState;
import io.distillery.core.train.TrainingLoop;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pruning stopped at a step (a lost worker) and resumed from the trainer's state in a new trainer and
 * listener ends bit-identical to a run that never stopped, and as sparse: between two mask updates,
 * and after the last one (where the masks must survive with no update to recompute them).
 */
class PruningResumeTest {
    static final ModelSpec SPEC = ModelSpec.of(new int[] {4}, 3, List.of("dense(16,relu)", "dense(3)"));
    static final SparsitySchedule SCHEDULE = new SparsitySchedule.PolynomialDecay(0, 0.75, 0, 20, 3, 5);
    static final TrainingLoop.Plan PLAN = new TrainingLoop.Plan(3, 32, 0, 7); // 19 steps per epoch

    /** Stops the loop before step {@code at}, as a killed worker would. */
    static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {12, 33})
    void resumedPruningEndsBitIdenticalAndAsSparse(long stopAt) {
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = Blobs.shard(allocator, 600, 11)) {
            Weights uninterrupted;
            try (Trainer t = trainer()) {
                t.load(Initializer.glorotUniform(SPEC, 7));
                PruningListener pruning = new PruningListener(SCHEDULE, PruningScope.KERNELS);
                TrainingLoop.run(t, shard, PLAN, pruning);
                uninterrupted = pruning.strip(t.weights());
            }

            TrainerState saved;
            try (Trainer t = trainer()) {
                t.load(Initializer.glorotUniform(SPEC, 7));
                PruningListener pruning = new PruningListener(SCHEDULE, PruningScope.KERNELS);
                TrainingLoop.Listener stopping = new TrainingLoop.Listener() {
                    @Override
                    public void beforeStep(Trainer trainer, long step) {
                        if (step == stopAt) {
                            throw new Stop();
                        }
                        pruning.beforeStep(trainer, step);
                    }
                };
                try {
                    TrainingLoop.run(t, shard, PLAN, stopping);
                } catch (Stop expected) {
                    // the worker is gone; its last checkpoint is the state now
                }
                saved = t.state();
                assertEquals(stopAt, saved.step());
            }

            Weights resumed;
            try (Trainer t = trainer()) {
                t.restore(saved);
                PruningListener pruning = new PruningListener(SCHEDULE, PruningScope.KERNELS);
                TrainingLoop.run(t, shard, PLAN, pruning);
                assertEquals(3L * 19, t.step());
                resumed = pruning.strip(t.weights());
            }

            for (NamedArray a : uninterrupted.asMap().values()) {
                assertArrayEquals(
                        a.values(), resumed.get(a.name()).values(), a.name() + " after resuming at " + stopAt);
            }
            double sparsity = SparsityReport.of(resumed, resumed).prunableSparsity();
            assertEquals(0.75, sparsity, 0.01, "kernel sparsity after resuming at " + stopAt);
            assertTrue(resumed.get("dense_1/kernel").zeros() > 0);
        }
    }

    private static Trainer trainer() {
        Trainer.Options options = Trainer.Options.local(SPEC, Loss.crossEntropy(), OptimizerSpec.adam(0.01), 7)
                .withMasks(PruningListener.maskedVariables(Initializer.glorotUniform(SPEC, 7), PruningScope.KERNELS));
        return new Trainer(options);
    }
}
