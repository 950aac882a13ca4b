package io.distillery.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import io.distillery.core.model.ModelGraph;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import io.distillery.core.train.Loss;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.Trainer;
import io.distillery.core.train.TrainingLoop;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * A trainer masking the structured policy's variables keeps pruned filters at exactly zero output
 * through batch norm (in training mode too, where it normalizes with the batch's statistics) and a
 * depthwise convolution, while the rest of the model trains on; the shrunk model then computes the same
 * logits.
 */
class StructuredTrainingTest {
    static final ModelSpec SPEC = Models.CNN;
    /** Updates at steps 0, 4, 8, 12 up to 50 %; 16 steps in all. */
    static final SparsitySchedule SCHEDULE = new SparsitySchedule.PolynomialDecay(0, 0.5, 0, 12, 3, 4);

    static final TrainingLoop.Plan PLAN = new TrainingLoop.Plan(2, 32, 0, 5);

    @Test
    void prunedFiltersOutputExactlyZeroThroughBatchNormWhileTraining() {
        MaskPolicy policy = MaskPolicy.of(PruningKind.STRUCTURED, SPEC);
        Weights start = Models.randomized(SPEC, 11);
        Weights trained;
        Masks masks;
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = quadrants(allocator, 256, 3);
                Trainer t = new Trainer(Trainer.Options.local(SPEC, Loss.crossEntropy(), OptimizerSpec.adam(0.01), 5)
                        .withMasks(policy.maskedVariables(start)))) {
            t.load(start);
            PruningListener pruning = new PruningListener(SCHEDULE, policy);
            TrainingLoop.run(t, shard, PLAN, pruning);
            assertEquals(16, t.step());
            trained = t.weights();
            masks = pruning.masks(trained);
        }

        assertEquals(4, masks.get("conv2d_1/bias").prunedCount());
        assertEquals(6, masks.get("conv2d_2/bias").prunedCount());
        assertEquals(8, masks.get("dense_1/bias").prunedCount());
        // The trainer re-masked every step (var × 0 may leave -0.0, which equals 0).
        for (String name : masks.names()) {
            float[] values = trained.get(name).values();
            for (int i = 0; i < values.length; i++) {
                assertTrue(masks.get(name).keeps(i) || values[i] == 0f, name + "[" + i + "] = " + values[i]);
            }
        }
        // The kept filters trained.
        assertFalse(Arrays.equals(
                start.get("conv2d_1/kernel").values(),
                trained.get("conv2d_1/kernel").values()));

        boolean[] keep = masks.get("conv2d_1/bias").keep();
        for (float training : new float[] {1f, 0f}) {
            float[] out = probe(trained, Models.inputs(SPEC, 64, 17), 64, training);
            double[] liveSum = new double[8];
            for (int i = 0; i < out.length; i++) {
                int c = i % 8;
                if (!keep[c]) {
                    assertTrue(out[i] == 0f, "pruned filter " + c + " output " + out[i] + ", training " + training);
                }
                liveSum[c] += Math.abs(out[i]);
            }
            for (int c = 0; c < 8; c++) {
                assertTrue(!keep[c] || liveSum[c] > 0, "kept filter " + c + " is dead, training " + training);
            }
        }

        StructuredPruning.Shrunk shrunk = StructuredPruning.shrink(SPEC, trained);
        assertEquals("conv2d(4,3,none,same)", shrunk.spec().layers().get(0).toString());
        assertEquals("dense(8,relu)", shrunk.spec().layers().get(7).toString());
        Models.assertSameLogits(SPEC, trained, shrunk.spec(), shrunk.weights());
    }

    /**
     * The output of the model's second batch norm (after relu6), {@code [rows, 12, 12, 8]} flat: the
     * trained layers up to it, then an identity dense layer as the "logits". In a training graph with
     * the training flag fed, so batch norm uses the batch's statistics when {@code training} is 1.
     */
    private static float[] probe(Weights trained, float[] x, int rows, float training) {
        int width = 12 * 12 * 8;
        ModelSpec probe = ModelSpec.of(
                new int[] {12, 12, 1},
                width,
                List.of(
                        "conv2d(8,3,none,same)",
                        "batchnorm(relu)",
                        "dwconv2d(3,1,none,same)",
                        "batchnorm(relu6)",
                        "flatten",
                        "dense(" + width + ")"));
        List<NamedArray> arrays = new ArrayList<>();
        trained.asMap().values().stream()
                .filter(a -> a.name().startsWith("conv2d_1/")
                        || a.name().startsWith("batchnorm_")
                        || a.name().startsWith("dwconv2d_1/"))
                .forEach(arrays::add);
        float[] identity = new float[width * width];
        for (int i = 0; i < width; i++) {
            identity[i * width + i] = 1f;
        }
        arrays.add(new NamedArray("dense_1/kernel", new long[] {width, width}, identity));
        arrays.add(new NamedArray("dense_1/bias", new long[] {width}, new float[width]));
        float[] out = new float[rows * width];
        try (Graph graph = new Graph()) {
            ModelGraph model = ModelGraph.build(graph, probe, ModelGraph.Mode.TRAIN, 0);
            try (Session session = new Session(graph)) {
                model.load(session, new Weights(arrays));
                try (TFloat32 input =
                                TFloat32.tensorOf(Shape.of(rows, probe.inputSize()), DataBuffers.of(x, true, false));
                        TFloat32 flag = TFloat32.scalarOf(training);
                        var result = session.runner()
                                .feed(model.input(), input)
                                .feed(model.training(), flag)
                                .fetch(model.logits())
                                .run()) {
                    ((TFloat32) result.get(0)).copyTo(DataBuffers.of(out, false, false));
                }
            }
        }
        return out;
    }

    /** 12×12 images, class {@code i % 4}: noise plus a brighter quadrant, the class's. */
    static Shard quadrants(BufferAllocator allocator, int rows, long seed) {
        Random r = new Random(seed);
        float[] x = new float[rows * 144];
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = i % 4;
            for (int p = 0; p < 144; p++) {
                int quadrant = (p / 12 / 6) * 2 + (p % 12 / 6);
                x[i * 144 + p] = (float) ((quadrant == y[i] ? 1.0 : 0.0) + 0.5 * r.nextGaussian());
            }
        }
        return Shard.builder(allocator, rows)
                .floatColumn(Columns.FEATURES, 144)
                .put(Columns.FEATURES, x)
                .labels(y)
                .build();
    }
}
