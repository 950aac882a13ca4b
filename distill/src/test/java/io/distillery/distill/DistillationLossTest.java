package io.distillery.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class DistillationLossTest {
    // Two examples, three classes.
    private static final float[][] STUDENT = {{1f, 2f, 0f}, {0.5f, 0.5f, 3f}};
    private static final float[][] TEACHER = {{2f, 1f, 0f}, {0f, 1f, 2f}};
    private static final float[][] LABELS = {{0, 1, 0}, {0, 0, 1}};

    private static double run(double alpha, double t) {
        try (Graph g = new Graph();
                Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            var loss = DistillationLoss.loss(
                    tf, tf.constant(STUDENT), tf.constant(LABELS), tf.constant(TEACHER), alpha, t);
            try (var r = s.runner().fetch(loss).run()) {
                return ((TFloat32) r.get(0)).getFloat();
            }
        }
    }

    private static double[] softmax(float[] z, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v / t);
        }
        double sum = 0;
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = Math.exp(z[i] / t - max);
            sum += out[i];
        }
        for (int i = 0; i < z.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    /** The formula evaluated by hand in double precision. */
    private static double expected(double alpha, double t) {
        double ce = 0;
        double kl = 0;
        for (int n = 0; n < 2; n++) {
            double[] q1 = softmax(STUDENT[n], 1);
            for (int k = 0; k < 3; k++) {
                ce -= LABELS[n][k] * Math.log(q1[k]);
            }
            double[] p = softmax(TEACHER[n], t);
            double[] q = softmax(STUDENT[n], t);
            for (int k = 0; k < 3; k++) {
                kl += p[k] * (Math.log(p[k]) - Math.log(q[k]));
            }
        }
        return alpha * ce / 2 + (1 - alpha) * t * t * kl / 2;
    }

    @Test
    void matchesTheFormulaComputedByHand() {
        for (double[] at : new double[][] {{0.5, 2}, {0.1, 3}, {0.0, 1}, {0.9, 6}}) {
            assertEquals(expected(at[0], at[1]), run(at[0], at[1]), 1e-5, "alpha=" + at[0] + " T=" + at[1]);
        }
    }

    @Test
    void alphaOneIsPlainCrossEntropy() {
        // CE by hand: -log softmax([1,2,0])[1] and -log softmax([.5,.5,3])[2], averaged.
        double ce1 = -Math.log(Math.exp(2) / (Math.exp(1) + Math.exp(2) + Math.exp(0)));
        double ce2 = -Math.log(Math.exp(3) / (2 * Math.exp(0.5) + Math.exp(3)));
        assertEquals((ce1 + ce2) / 2, run(1.0, 4.0), 1e-5);
        assertEquals(run(1.0, 1.0), run(1.0, 7.0), 1e-6, "temperature has no effect at alpha = 1");
    }

    @Test
    void softTermScalesWithTemperatureSquared() {
        // With alpha = 0 the loss is T² · KL_T; at large T, KL_T ≈ Σ(Δz)² / (2T²·K) so T²·KL_T tends to a
        // constant instead of vanishing: the reason for the T² factor.
        double t10 = run(0.0, 10);
        double t20 = run(0.0, 20);
        assertTrue(t10 > 0);
        assertEquals(t10, t20, 0.05 * t10, "T²-scaled soft loss is about constant at high T");
        // Without the factor it would shrink about 4×: the raw KL, computed by hand apart from the loss.
        double rawKl10 = expected(0.0, 10) / 100;
        double rawKl20 = expected(0.0, 20) / 400;
        assertEquals(4.0, rawKl10 / rawKl20, 0.3);
        assertEquals(rawKl10 * 100, t10, 1e-4 * t10, "the loss is T² times that KL");
    }

    @Test
    void identicalLogitsGiveZeroSoftLoss() {
        try (Graph g = new Graph();
                Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            var loss =
                    DistillationLoss.loss(tf, tf.constant(TEACHER), tf.constant(LABELS), tf.constant(TEACHER), 0.0, 3);
            try (var r = s.runner().fetch(loss).run()) {
                assertEquals(0.0, ((TFloat32) r.get(0)).getFloat(), 1e-6);
            }
        }
    }

    @Test
    void invalidSettingsNameTheOption() {
        IllegalArgumentException t =
                assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(0.5, 0, 10));
        assertTrue(t.getMessage().contains("distill.temperature must be > 0, found 0.0"), t.getMessage());
        IllegalArgumentException a =
                assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(1.5, 2, 10));
        assertTrue(a.getMessage().contains("distill.alpha must be in [0, 1], found 1.5"), a.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(-0.1, 2, 10));
    }

    /**
     * An unlabeled row (mask 0, all-zero one-hot) adds nothing to the hard term and gets no gradient from
     * it: TensorFlow's own gradient of the cross-entropy op would be softmax − 0 there.
     */
    @Test
    void anUnlabeledRowGetsNoHardTermAndNoGradientFromIt() {
        float[][] labels = {{0, 1, 0}, {0, 0, 0}};
        try (Graph g = new Graph();
                Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            var student = tf.variable(tf.constant(STUDENT));
            var loss = DistillationLoss.loss(
                    tf, student, tf.constant(labels), tf.constant(new float[] {1, 0}), tf.constant(TEACHER), 1.0, 2);
            var grad = tf.gradients(loss, java.util.List.of(student)).dy(0);
            s.initialize();
            try (var r = s.runner().fetch(loss).fetch(grad).run()) {
                double[] q = softmax(STUDENT[0], 1);
                // Mean over both rows: the labelled row's cross-entropy, halved.
                assertEquals(-Math.log(q[1]) / 2, ((TFloat32) r.get(0)).getFloat(), 1e-5);
                TFloat32 gr = (TFloat32) r.get(1);
                for (int k = 0; k < 3; k++) {
                    assertEquals(0f, gr.getFloat(1, k), "unlabeled row, class " + k);
                    assertTrue(Math.abs(gr.getFloat(0, k)) > 1e-3, "the labelled row learns, class " + k);
                }
            }
        }
    }
}
