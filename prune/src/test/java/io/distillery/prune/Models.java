package io.distillery.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Predictor;
import io.distillery.core.model.Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The models the structured and 2:4 tests share, random weights for them, and logits to compare. */
final class Models {
    private Models() {}

    static final ModelSpec MLP =
            ModelSpec.of(new int[] {784}, 10, List.of("dense(64,relu)", "dense(32,relu)", "dense(10)"));

    static final ModelSpec CNN = ModelSpec.of(
            new int[] {12, 12, 1},
            4,
            List.of(
                    "conv2d(8,3,none,same)",
                    "batchnorm(relu)",
                    "dwconv2d(3,1,none,same)",
                    "batchnorm(relu6)",
                    "maxpool(2)",
                    "conv2d(12,3,relu,same)",
                    "flatten",
                    "dense(16,relu)",
                    "dense(4)"));

    static final ModelSpec RESNET = ModelSpec.of(
            new int[] {8, 8, 2},
            3,
            List.of(
                    "conv2d(6,3,relu,same)",
                    "residual(conv2d(6,3,none,same),batchnorm(relu),conv2d(6,3,none,same),batchnorm,relu)",
                    "residual(conv2d(8,3,relu,same,2),conv2d(8,3,none,same),relu)",
                    "globalavgpool",
                    "dense(3)"));

    /**
     * Glorot kernels, and biases, betas and moving means drawn non-zero (Initializer's zeros would make
     * a shrink look right for the wrong reason); gammas of either sign, positive moving variances.
     */
    static Weights randomized(ModelSpec spec, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<NamedArray> out = new ArrayList<>();
        for (NamedArray a : Initializer.glorotUniform(spec, seed).asMap().values()) {
            if (a.name().endsWith("/kernel")) {
                out.add(a);
                continue;
            }
            float[] v = new float[a.values().length];
            for (int i = 0; i < v.length; i++) {
                double u = random.nextDouble(0.5, 1.5);
                if (a.name().endsWith("/gamma")) {
                    v[i] = (float) (random.nextBoolean() ? u : -u);
                } else if (a.name().endsWith("/moving_variance")) {
                    v[i] = (float) u;
                } else {
                    v[i] = (float) random.nextDouble(-0.5, 0.5);
                }
            }
            out.add(new NamedArray(a.name(), a.shape(), v));
        }
        return new Weights(out);
    }

    /** {@code rows} rows of features in [-1, 1). */
    static float[] inputs(ModelSpec spec, int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[rows * spec.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        return x;
    }

    static float[] logits(ModelSpec spec, Weights weights, float[] x, int rows) {
        try (Predictor p = new Predictor(spec, weights)) {
            return p.logits(x, rows);
        }
    }

    /** Both models give the same logits on random inputs, within 1e-5. */
    static void assertSameLogits(ModelSpec spec, Weights weights, ModelSpec other, Weights otherWeights) {
        int rows = 16;
        float[] x = inputs(spec, rows, 99);
        float[] expected = logits(spec, weights, x, rows);
        float[] actual = logits(other, otherWeights, x, rows);
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5, "logit " + i);
        }
    }

    /** The indices of the {@code n} largest of {@code scores}, ascending. */
    static List<Integer> largest(double[] scores, int n) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            order.add(i);
        }
        order.sort((a, b) -> Double.compare(scores[b], scores[a]));
        return order.subList(0, n).stream().sorted().toList();
    }

    /** The indices {@code keep} keeps. */
    static List<Integer> kept(boolean[] keep) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                out.add(i);
            }
        }
        return out;
    }
}
