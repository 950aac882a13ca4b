package io.distillery.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PredictorTest {

    @Test
    void denseModelMatchesHandComputedForwardPass() {
        ModelSpec spec = ModelSpec.of(new int[] {3}, 2, List.of("dense(2,relu)", "dense(2)"));
        Weights w = new Weights(List.of(
                new NamedArray("dense_1/kernel", new long[] {3, 2}, new float[] {1, -1, 0, 2, 1, 0}),
                new NamedArray("dense_1/bias", new long[] {2}, new float[] {0, 1}),
                new NamedArray("dense_2/kernel", new long[] {2, 2}, new float[] {1, 0, 0, 1}),
                new NamedArray("dense_2/bias", new long[] {2}, new float[] {0, 0.5f})));
        // x = [1,2,3]: hidden = relu([1+0+3, -1+4+0] + [0,1]) = [4, 4]; logits = [4, 4.5]
        try (Predictor p = new Predictor(spec, w)) {
            float[] logits = p.logits(new float[] {1, 2, 3}, 1);
            assertEquals(4f, logits[0], 1e-6);
            assertEquals(4.5f, logits[1], 1e-6);
            float[] probs = p.probabilities(new float[] {1, 2, 3}, 1);
            double e = Math.exp(0.5);
            assertEquals(1 / (1 + e), probs[0], 1e-6);
            assertEquals(e / (1 + e), probs[1], 1e-6);
        }
    }

    @Test
    void weightsOfAnotherModelFailNamingTheLayerInsteadOfHanging() {
        ModelSpec stored = ModelSpec.of(new int[] {4}, 3, List.of("dense(8,relu)", "dense(3)"));
        ModelSpec configured = ModelSpec.of(new int[] {4}, 3, List.of("dense(9,relu)", "dense(3)"));
        Weights w = Initializer.glorotUniform(stored, 1);
        // Before the fix the constructor closed only the graph, which waits for its open session: a hang.
        IllegalArgumentException e = assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(20),
                () -> assertThrows(IllegalArgumentException.class, () -> new Predictor(configured, w)));
        assertTrue(e.getMessage().startsWith("dense_1/") && e.getMessage().contains("expected shape"), e.getMessage());
    }

    @Test
    void convolutionalModelRunsWithGlorotWeights() {
        ModelSpec spec =
                ModelSpec.of(new int[] {8, 8, 1}, 3, List.of("conv2d(4,3,relu)", "maxpool(2)", "flatten", "dense(3)"));
        Weights w = Initializer.glorotUniform(spec, 7);
        assertEquals(Initializer.glorotUniform(spec, 7), w, "same seed, same weights");
        assertEquals(spec.parameterCount(), w.size());
        try (Predictor p = new Predictor(spec, w)) {
            float[] probs = p.probabilities(new float[2 * 64], 2);
            assertEquals(6, probs.length);
            assertEquals(1.0, probs[0] + probs[1] + probs[2], 1e-5);
        }
    }

    @Test
    void callsOfChangingRowCountsEachAnswerTheirOwnRows() {
        ModelSpec spec = ModelSpec.of(new int[] {5}, 3, List.of("dense(4,relu)", "dense(3)"));
        Weights w = Initializer.glorotUniform(spec, 3);
        float[] a = {1, 2, 3, 4, 5, -1, 0, 2, 1, 3};
        float[] b = {0.5f, -2, 1, 0, 4};
        float[] c = {3, 3, -3, 1, 0, 2, 2, 2, 2, 2};
        float[] aLogits;
        float[] bLogits;
        float[] cProbabilities;
        try (Predictor fresh = new Predictor(spec, w)) {
            aLogits = fresh.logits(a, 2);
        }
        try (Predictor fresh = new Predictor(spec, w)) {
            bLogits = fresh.logits(b, 1);
        }
        try (Predictor fresh = new Predictor(spec, w)) {
            cProbabilities = fresh.probabilities(c, 2);
        }
        // One predictor, its kept input reused (a then c: 2 rows) and replaced (b: 1 row).
        try (Predictor p = new Predictor(spec, w)) {
            assertArrayEquals(aLogits, p.logits(a, 2));
            assertArrayEquals(cProbabilities, p.probabilities(c, 2));
            assertArrayEquals(bLogits, p.logits(b, 1));
            assertArrayEquals(aLogits, p.logits(a, 2));
            assertArrayEquals(cProbabilities, p.probabilities(c, 2));
        }
    }

    @Test
    void closedPredictorFailsLoudly() {
        ModelSpec spec = ModelSpec.of(new int[] {2}, 2, List.of("dense(2)"));
        Predictor p = new Predictor(spec, Initializer.glorotUniform(spec, 1));
        p.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.logits(new float[2], 1));
        assertEquals(true, e.getMessage().contains("closed"));
    }
}
