package io.distillery.export;

import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Predictor;
import io.distillery.core.model.Weights;
import java.util.List;
import java.util.SplittableRandom;

/** Small specs, weights and inputs shared by the export tests. */
public final class TestModels {
    private TestModels() {}

    /** A dense model with dropout: flat input, ReLU hidden layer, logits. */
    public static final ModelSpec DENSE =
            ModelSpec.of(new int[] {20}, 5, List.of("dense(16,relu)", "dropout(0.5)", "dense(5)"));

    /**
     * A conv model using every layer kind: VALID and SAME convolutions (an even kernel, whose SAME
     * padding is asymmetric), one without activation, max pooling of an odd size, dropout, flatten.
     */
    public static final ModelSpec CONV = ModelSpec.of(
            new int[] {9, 9, 2},
            3,
            List.of(
                    "conv2d(4,3,relu)", // [7,7,4]
                    "conv2d(5,4,relu,same)", // [7,7,5]
                    "maxpool(2)", // [3,3,5]
                    "dropout(0.25)",
                    "conv2d(3,2,none,same)", // [3,3,3]
                    "flatten",
                    "dense(8,relu)",
                    "dense(3)"));

    /**
     * A MobileNet-style model using every mobile layer kind: a stride-2 SAME convolution on an even input
     * (TensorFlow pads one row at the bottom only), a separable block (depthwise, then 1×1), average
     * pooling, a strided VALID depthwise convolution with multiplier 2, ReLU6, global average pooling.
     */
    public static final ModelSpec MOBILE = ModelSpec.of(
            new int[] {12, 12, 2},
            4,
            List.of(
                    "conv2d(6,3,relu6,same,2)", // [6,6,6]
                    "separable(8,3,relu6,same)", // [6,6,6] then [6,6,8]
                    "avgpool(2)", // [3,3,8]
                    "dwconv2d(2,2,relu,valid,1)", // [2,2,16]
                    "globalavgpool", // [16]
                    "dense(4)"));

    /**
     * A ResNet-style model: an identity block (conv, batch norm, conv, batch norm, then ReLU after the
     * add), a downsampling block whose shortcut is projected 1×1 with stride 2 (a depthwise convolution
     * and ReLU6 in it), and a flat block with a dense projection.
     */
    public static final ModelSpec RESIDUAL = ModelSpec.of(
            new int[] {12, 12, 2},
            4,
            List.of(
                    "conv2d(6,3,none,same)", // [12,12,6]
                    "batchnorm(relu)",
                    "residual(conv2d(6,3,none,same),batchnorm(relu),conv2d(6,3,none,same),batchnorm,relu)",
                    "residual(conv2d(8,3,relu6,same,2),dwconv2d(3,1,none,same),batchnorm,relu6)", // [6,6,8]
                    "globalavgpool", // [8]
                    "residual(dense(6,relu))", // [6], the shortcut projected from 8
                    "dense(4)"));

    /**
     * Batch norm after a convolution, a depthwise convolution and a dense layer (each without activation,
     * batch norm carrying it: what TFLite folds), and once after pooling (what only TF.js can express).
     */
    public static final ModelSpec BATCH_NORM = ModelSpec.of(
            new int[] {8, 8, 2},
            3,
            List.of(
                    "conv2d(6,3,none,same,2)",
                    "batchnorm(relu6)",
                    "dwconv2d(3,1,none,same)",
                    "batchnorm(relu)",
                    "flatten",
                    "dense(8)",
                    "batchnorm",
                    "dense(3)"));

    /** Batch norm where no layer can take it: after pooling. */
    public static final ModelSpec BATCH_NORM_AFTER_POOL = ModelSpec.of(
            new int[] {8, 8, 2}, 3, List.of("conv2d(4,3,relu)", "maxpool(2)", "batchnorm", "flatten", "dense(3)"));

    /** Flatten on input that core's graph already holds flat: a rank-2 spec input, a flat one. */
    public static final ModelSpec FLAT_RANK2 =
            ModelSpec.of(new int[] {3, 4}, 3, List.of("dropout(0.1)", "flatten", "dense(6,relu)", "dense(3)"));

    public static final ModelSpec FLAT_RANK1 =
            ModelSpec.of(new int[] {12}, 3, List.of("flatten", "dense(6,relu)", "dense(3)"));

    /**
     * Glorot kernels and random non-zero biases, so that bias handling is tested too; batch norm gets
     * random gamma, beta, means and (positive) variances, as a trained one has.
     */
    public static Weights randomWeights(ModelSpec spec, long seed) {
        Weights weights = Initializer.glorotUniform(spec, seed);
        SplittableRandom random = new SplittableRandom(seed + 1);
        for (NamedArray a : weights.asMap().values()) {
            if (a.name().endsWith("/gamma") || a.name().endsWith("/moving_variance")) {
                float[] v = new float[a.values().length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (0.5 + random.nextDouble());
                }
                weights = weights.with(new NamedArray(a.name(), a.shape(), v));
            } else if (a.name().endsWith("/bias")
                    || a.name().endsWith("/beta")
                    || a.name().endsWith("/moving_mean")) {
                float[] b = new float[a.values().length];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) (random.nextDouble() - 0.5) * 0.4f;
                }
                weights = weights.with(new NamedArray(a.name(), a.shape(), b));
            }
        }
        return weights;
    }

    /** Rows of standard-normal features, flat. */
    public static float[] gaussianRows(int rows, int width, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[rows * width];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) gaussian(random);
        }
        return out;
    }

    public static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    /** The reference: TF Java through core's Predictor. */
    public static float[] reference(ModelSpec spec, Weights weights, float[] rows, int n) {
        try (Predictor predictor = new Predictor(spec, weights)) {
            return predictor.probabilities(rows, n);
        }
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("expected equal lengths, found " + a.length + " and " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** Index of the largest value of each row. */
    public static int[] argmax(float[] values, int columns) {
        int[] out = new int[values.length / columns];
        for (int r = 0; r < out.length; r++) {
            int best = 0;
            for (int c = 1; c < columns; c++) {
                if (values[r * columns + c] > values[r * columns + best]) {
                    best = c;
                }
            }
            out[r] = best;
        }
        return out;
    }
}
