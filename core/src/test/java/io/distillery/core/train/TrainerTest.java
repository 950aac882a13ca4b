package io.distillery.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import io.distillery.core.testing.Blobs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TrainerTest {
    private static final ModelSpec SPEC =
            ModelSpec.of(new int[] {4}, 3, List.of("dense(16,relu)", "dropout(0.1)", "dense(3)"));

    private BufferAllocator allocator;

    @BeforeEach
    void open() {
        allocator = new RootAllocator();
    }

    @AfterEach
    void closeAll() {
        assertEquals(0, allocator.getAllocatedMemory(), "Arrow memory leaked");
        allocator.close();
    }

    static Shard blobs(BufferAllocator allocator, int rows, long seed) {
        return Blobs.shard(allocator, rows, seed);
    }

    @Test
    void adamLearnsSeparableBlobs() {
        try (Shard train = blobs(allocator, 600, 1);
                Shard test = blobs(allocator, 300, 2);
                Trainer t =
                        new Trainer(Trainer.Options.local(SPEC, Loss.crossEntropy(), OptimizerSpec.adam(0.01), 3))) {
            t.load(Initializer.glorotUniform(SPEC, 3));
            double before = t.evaluate(test, 64).accuracy();
            List<EpochMetrics> epochs =
                    TrainingLoop.run(t, train, new TrainingLoop.Plan(5, 32, 0, 3), new TrainingLoop.Listener() {});
            assertEquals(5, epochs.size());
            assertEquals(19 * 5, t.step());
            assertTrue(epochs.get(4).loss() < epochs.get(0).loss(), "loss went down: " + epochs);
            Evaluation after = t.evaluate(test, 64);
            assertTrue(after.accuracy() > 0.95, "accuracy " + after + " (before " + before + ")");
        }
    }

    /** Gradients flow through strided, depthwise and pointwise convolutions, ReLU6 and both poolings. */
    @Test
    void aMobileNetStyleModelLearns() {
        ModelSpec mobile = ModelSpec.of(
                new int[] {2, 2, 1},
                3,
                List.of(
                        "conv2d(8,1,relu6,same)",
                        "separable(8,2,relu6,same)",
                        "avgpool(1)",
                        "globalavgpool",
                        "dense(3)"));
        // The blobs' 4 features as a 2×2 image.
        try (Shard train = blobs(allocator, 600, 1);
                Trainer t =
                        new Trainer(Trainer.Options.local(mobile, Loss.crossEntropy(), OptimizerSpec.adam(0.02), 3))) {
            t.load(Initializer.glorotUniform(mobile, 3));
            double before = t.evaluate(train, 100).accuracy();
            TrainingLoop.run(t, train, new TrainingLoop.Plan(8, 32, 0, 3), new TrainingLoop.Listener() {});
            double after = t.evaluate(train, 100).accuracy();
            assertTrue(after > 0.9 && after > before + 0.2, "accuracy " + before + " -> " + after);
        }
    }

    /** Gradients flow through both paths of a residual block, and through a projected shortcut. */
    @Test
    void aResidualModelLearns() {
        ModelSpec resnet = ModelSpec.of(
                new int[] {2, 2, 1},
                3,
                List.of(
                        "conv2d(8,1,none,same)",
                        "residual(conv2d(8,2,none,same),batchnorm(relu),conv2d(8,2,none,same),batchnorm,relu)",
                        "residual(conv2d(12,2,relu,same,2),relu)",
                        "globalavgpool",
                        "residual(dense(6,relu))",
                        "dense(3)"));
        try (Shard train = blobs(allocator, 600, 1);
                Trainer t =
                        new Trainer(Trainer.Options.local(resnet, Loss.crossEntropy(), OptimizerSpec.adam(0.02), 3))) {
            Weights start = Initializer.glorotUniform(resnet, 3);
            t.load(start);
            double before = t.evaluate(train, 100).accuracy();
            TrainingLoop.run(t, train, new TrainingLoop.Plan(8, 32, 0, 3), new TrainingLoop.Listener() {});
            double after = t.evaluate(train, 100).accuracy();
            assertTrue(after > 0.9 && after > before + 0.2, "accuracy " + before + " -> " + after);
            // The projection's kernel trained too.
            assertFalse(java.util.Arrays.equals(
                    start.get("add_2/kernel").values(),
                    t.weights().get("add_2/kernel").values()));
        }
    }

    @Test
    void sgdWithMomentumAlsoLearns() {
        try (Shard train = blobs(allocator, 600, 1);
                Trainer t = new Trainer(
                        Trainer.Options.local(SPEC, Loss.crossEntropy(), OptimizerSpec.sgd(0.05, 0.9), 3))) {
            t.load(Initializer.glorotUniform(SPEC, 3));
            TrainingLoop.run(t, train, new TrainingLoop.Plan(4, 32, 0, 3), new TrainingLoop.Listener() {});
            assertTrue(t.evaluate(train, 100).accuracy() > 0.95);
        }
    }

    @Test
    void resumingFromAMidEpochStateReproducesAnUninterruptedRun() throws Exception {
        TrainingLoop.Plan plan = new TrainingLoop.Plan(4, 32, 0, 9);
        ModelSpec noDropout = ModelSpec.of(new int[] {4}, 3, List.of("dense(8,relu)", "dense(3)"));
        Weights straight;
        byte[][] checkpoint = new byte[1][];
        try (Shard train = blobs(allocator, 200, 1)) {
            try (Trainer t =
                    new Trainer(Trainer.Options.local(noDropout, Loss.crossEntropy(), OptimizerSpec.adam(0.01), 9))) {
                t.load(Initializer.glorotUniform(noDropout, 9));
                TrainingLoop.run(t, train, plan, new TrainingLoop.Listener() {
                    @Override
                    public void afterStep(Trainer trainer, long step, StepResult result) {
                        if (step == 10) { // epoch 1, step 3 of 7
                            try {
                                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                                trainer.state().write(bytes);
                                checkpoint[0] = bytes.toByteArray();
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    }
                });
                assertEquals(28, t.step());
                straight = t.weights();
            }
            try (Trainer t =
                    new Trainer(Trainer.Options.local(noDropout, Loss.crossEntropy(), OptimizerSpec.adam(0.01), 9))) {
                t.restore(TrainerState.read(new ByteArrayInputStream(checkpoint[0])));
                assertEquals(11, t.step());
                List<EpochMetrics> rest = TrainingLoop.run(t, train, plan, new TrainingLoop.Listener() {});
                assertEquals(3, rest.size(), "the rest of epoch 1, then epochs 2 and 3");
                assertEquals(3, rest.get(0).steps());
                assertEquals(28, t.step());
                // Same batches, same optimizer state: equal up to the order of TF's multi-threaded sums.
                Weights resumed = t.weights();
                for (NamedArray a : straight.asMap().values()) {
                    float[] b = resumed.get(a.name()).values();
                    for (int i = 0; i < b.length; i++) {
                        assertEquals(a.values()[i], b[i], 1e-5, a.name() + "[" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void maskedWeightsStayZeroAfterSteps() {
        try (Shard train = blobs(allocator, 200, 1);
                Trainer t = new Trainer(Trainer.Options.local(SPEC, Loss.crossEntropy(), OptimizerSpec.adam(0.01), 3)
                        .withMasks(Set.of("dense_1/kernel")))) {
            t.load(Initializer.glorotUniform(SPEC, 3));
            float[] mask = new float[4 * 16];
            for (int i = 0; i < mask.length; i += 2) {
                mask[i] = 1f;
            }
            t.setMasks(Map.of("dense_1/kernel", mask));
            float[] before = t.weights().get("dense_1/kernel").values();
            TrainingLoop.run(t, train, new TrainingLoop.Plan(10, 32, 0, 3), new TrainingLoop.Listener() {});
            NamedArray kernel = t.weights().get("dense_1/kernel");
            // The kept half still trains: every step's update survives the re-masking.
            int changed = 0;
            for (int i = 0; i < mask.length; i += 2) {
                if (Math.abs(kernel.values()[i] - before[i]) > 0.05f) {
                    changed++;
                }
            }
            assertTrue(changed > 16, "kept weights moved: " + changed + " of 32");
            double acc = t.evaluate(train, 100).accuracy();
            assertTrue(acc > 0.9, "a half-masked kernel still learns the blobs: " + acc);
            for (int i = 1; i < mask.length; i += 2) {
                assertEquals(0f, Math.abs(kernel.values()[i]), "masked weight " + i);
            }
            assertEquals(32, kernel.zeros());
        }
    }

    @Test
    void unequalShardsTakeTheSameNumberOfFullSteps() {
        int[] order = TrainingLoop.order(10, 32, 5, 0);
        assertEquals(32, order.length);
        int[] counts = new int[10];
        for (int i : order) {
            counts[i]++;
        }
        for (int c : counts) {
            assertTrue(c == 3 || c == 4, "each row appears 3 or 4 times");
        }
        assertArrayEquals(order, TrainingLoop.order(10, 32, 5, 0), "deterministic");
    }

    @Test
    void divergingLossIsReported() {
        try (Shard train = blobs(allocator, 64, 1)) {
            float[] x = train.floats(Columns.FEATURES);
            x[5] = Float.NaN;
            try (Shard bad = Shard.builder(allocator, 64)
                            .floatColumn(Columns.FEATURES, 4)
                            .put(Columns.FEATURES, x)
                            .labels(train.labels())
                            .build();
                    Trainer t = new Trainer(
                            Trainer.Options.local(SPEC, Loss.crossEntropy(), OptimizerSpec.adam(0.01), 3))) {
                t.load(Initializer.glorotUniform(SPEC, 3));
                assertThrows(
                        TrainingDivergedException.class,
                        () -> TrainingLoop.run(
                                t, bad, new TrainingLoop.Plan(1, 64, 0, 3), new TrainingLoop.Listener() {}));
            }
        }
    }
}
