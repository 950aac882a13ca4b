package io.distillery.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.data.Shard;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import io.distillery.core.testing.Blobs;
import io.distillery.core.train.Loss;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.Trainer;
import io.distillery.core.train.TrainerState;
import io.distillery.core.train.TrainingLoop;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link PruningResumeTest} for every kind: a run stopped between mask updates and resumed in a new
 * trainer and listener gets its masks back from the exact zeros, and ends bit-identical.
 */
class PolicyResumeTest {

    @ParameterizedTest
    @EnumSource(PruningKind.class)
    void resumedPruningOfEveryKindEndsBitIdentical(PruningKind kind) {
        MaskPolicy policy = MaskPolicy.of(kind, PruningResumeTest.SPEC);
        long stopAt = 12; // after the updates at 0, 5 and 10
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = Blobs.shard(allocator, 600, 11)) {
            Weights uninterrupted;
            try (Trainer t = trainer(policy)) {
                t.load(Initializer.glorotUniform(PruningResumeTest.SPEC, 7));
                PruningListener pruning = new PruningListener(PruningResumeTest.SCHEDULE, policy);
                TrainingLoop.run(t, shard, PruningResumeTest.PLAN, pruning);
                uninterrupted = pruning.strip(t.weights());
            }

            TrainerState saved;
            try (Trainer t = trainer(policy)) {
                t.load(Initializer.glorotUniform(PruningResumeTest.SPEC, 7));
                PruningListener pruning = new PruningListener(PruningResumeTest.SCHEDULE, policy);
                TrainingLoop.Listener stopping = new TrainingLoop.Listener() {
                    @Override
                    public void beforeStep(Trainer trainer, long step) {
                        if (step == stopAt) {
                            throw new PruningResumeTest.Stop();
                        }
                        pruning.beforeStep(trainer, step);
                    }
                };
                try {
                    TrainingLoop.run(t, shard, PruningResumeTest.PLAN, stopping);
                } catch (PruningResumeTest.Stop expected) {
                    // the worker is gone; its last checkpoint is the state now
                }
                saved = t.state();
            }

            Weights resumed;
            try (Trainer t = trainer(policy)) {
                t.restore(saved);
                PruningListener pruning = new PruningListener(PruningResumeTest.SCHEDULE, policy);
                TrainingLoop.run(t, shard, PruningResumeTest.PLAN, pruning);
                resumed = pruning.strip(t.weights());
            }

            for (NamedArray a : uninterrupted.asMap().values()) {
                assertArrayEquals(a.values(), resumed.get(a.name()).values(), kind + ": " + a.name());
            }
            assertTrue(resumed.get("dense_1/kernel").zeros() > 0, kind.key());
            if (kind == PruningKind.STRUCTURED) {
                // 75 % of 16 units: 12 zero columns of dense_1's [4, 16] kernel, and their biases.
                assertEquals(12 * 4, resumed.get("dense_1/kernel").zeros());
                assertEquals(12, resumed.get("dense_1/bias").zeros());
            }
        }
    }

    private static Trainer trainer(MaskPolicy policy) {
        Weights start = Initializer.glorotUniform(PruningResumeTest.SPEC, 7);
        return new Trainer(
                Trainer.Options.local(PruningResumeTest.SPEC, Loss.crossEntropy(), OptimizerSpec.adam(0.01), 7)
                        .withMasks(PruningListener.maskedVariables(start, policy)));
    }
}
