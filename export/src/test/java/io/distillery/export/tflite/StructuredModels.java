package io.distillery.export.tflite;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import io.distillery.export.CheckedWeights;
import io.distillery.export.TestModels;
import java.util.SplittableRandom;

/**
 * Models that make confident, meaningful predictions without a training loop: classes are noisy
 * mixtures of random prototypes, hidden layers are random (Glorot, random biases), and the last dense
 * layer is fitted by ridge regression on the hidden features of the training rows (one-hot targets).
 * Random weights alone give near-uniform outputs, on which a top-1 comparison says little.
 */
final class StructuredModels {
    private StructuredModels() {}

    /** Rows, their labels, and the number of rows. */
    record Data(float[] rows, int[] labels, int count) {}

    /**
     * Each row: {@code 0.8 × prototype(label) + 0.2 × prototype(other) + noise}, clipped to [0, 1], so
     * that classes overlap and some rows lie near a decision boundary.
     */
    static Data data(ModelSpec spec, int count, long prototypeSeed, long seed) {
        int width = spec.inputSize();
        int classes = spec.numClasses();
        SplittableRandom protoRandom = new SplittableRandom(prototypeSeed);
        float[][] prototypes = new float[classes][width];
        for (float[] p : prototypes) {
            for (int i = 0; i < width; i++) {
                p[i] = (float) protoRandom.nextDouble();
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[] rows = new float[count * width];
        int[] labels = new int[count];
        for (int r = 0; r < count; r++) {
            int label = random.nextInt(classes);
            int other = random.nextInt(classes);
            labels[r] = label;
            for (int i = 0; i < width; i++) {
                double v = 0.8 * prototypes[label][i] + 0.2 * prototypes[other][i] + 0.3 * TestModels.gaussian(random);
                rows[r * width + i] = (float) Math.max(0, Math.min(1, v));
            }
        }
        return new Data(rows, labels, count);
    }

    /** Random hidden layers, then the last dense layer fitted to {@code train}. */
    static Weights fit(ModelSpec spec, Data train, long seed) {
        return fit(spec, train, TestModels.randomWeights(spec, seed));
    }

    /** The head of {@code weights} fitted by least squares on the features its body computes. */
    static Weights fit(ModelSpec spec, Data train, Weights weights) {
        int last = spec.namedLayers().size() - 1;
        String head = spec.namedLayers().get(last).name();
        FloatForward forward = new FloatForward(spec, CheckedWeights.of(spec, weights, "test"));
        int width = spec.inputSize();
        int features = (int) weights.get(head + "/kernel").shape()[0];
        int classes = spec.numClasses();
        int d = features + 1; // + bias column
        double[][] gram = new double[d][d];
        double[][] rhs = new double[d][classes];
        double[] f = new double[d];
        float[] row = new float[width];
        for (int r = 0; r < train.count(); r++) {
            System.arraycopy(train.rows(), r * width, row, 0, width);
            float[] hidden = last == 0 ? row : forward.layerOutputs(row)[last - 1];
            for (int i = 0; i < features; i++) {
                f[i] = hidden[i];
            }
            f[features] = 1;
            for (int i = 0; i < d; i++) {
                if (f[i] == 0) {
                    continue;
                }
                for (int j = 0; j < d; j++) {
                    gram[i][j] += f[i] * f[j];
                }
                rhs[i][train.labels()[r]] += f[i] * 8.0; // one-hot × 8: confident softmax
            }
        }
        // Ridge, scaled to the features: deep random nets (pooling, ReLU6) give small features that a
        // fixed penalty would flatten into one class.
        double meanDiagonal = 0;
        for (int i = 0; i < d; i++) {
            meanDiagonal += gram[i][i] / d;
        }
        for (int i = 0; i < d; i++) {
            gram[i][i] += 1e-3 * meanDiagonal;
        }
        double[][] solution = solve(gram, rhs);
        float[] kernel = new float[features * classes];
        float[] bias = new float[classes];
        for (int c = 0; c < classes; c++) {
            for (int i = 0; i < features; i++) {
                kernel[i * classes + c] = (float) solution[i][c];
            }
            bias[c] = (float) solution[features][c];
        }
        return weights.with(new NamedArray(head + "/kernel", new long[] {features, classes}, kernel))
                .with(new NamedArray(head + "/bias", new long[] {classes}, bias));
    }

    /** The last layer's kernel and bias times {@code factor}: the same predictions, more confident. */
    static Weights sharpen(ModelSpec spec, Weights weights, float factor) {
        String head = spec.namedLayers().get(spec.namedLayers().size() - 1).name();
        for (String name : new String[] {head + "/kernel", head + "/bias"}) {
            NamedArray a = weights.get(name);
            float[] v = a.values().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] *= factor;
            }
            weights = weights.with(new NamedArray(name, a.shape(), v));
        }
        return weights;
    }

    /** Solves {@code a x = b} for symmetric positive definite {@code a} (Cholesky). */
    private static double[][] solve(double[][] a, double[][] b) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
            }
        }
        int m = b[0].length;
        double[][] x = new double[n][m];
        for (int c = 0; c < m; c++) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                double s = b[i][c];
                for (int k = 0; k < i; k++) {
                    s -= l[i][k] * y[k];
                }
                y[i] = s / l[i][i];
            }
            for (int i = n - 1; i >= 0; i--) {
                double s = y[i];
                for (int k = i + 1; k < n; k++) {
                    s -= l[k][i] * x[k][c];
                }
                x[i][c] = s / l[i][i];
            }
        }
        return x;
    }
}
