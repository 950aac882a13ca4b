package io.distillery.export.tflite;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import io.distillery.export.CheckedWeights;
import java.util.List;

/**
 * The float model run in plain Java, one row at a time, keeping every layer's output: what int8
 * calibration needs (the range of each intermediate activation), which {@link
 * io.distillery.core.model.Predictor} does not expose. Same semantics as core's graph: NHWC, HWIO
 * kernels, strided convolutions (regular and depthwise) with TensorFlow's SAME padding (the extra
 * row/column at the bottom/right), VALID max and average pooling with stride = window, global average
 * pooling, residual blocks (the shortcut projected 1×1 where the block changes the shape), dropout as
 * the identity. Tested against Predictor.
 */
final class FloatForward {
    private final ModelSpec spec;
    private final List<ModelSpec.NamedLayer> layers;
    private final List<int[]> shapes;
    private final float[][] kernels;
    private final float[][] biases;
    private final CheckedWeights weights;

    FloatForward(ModelSpec spec, CheckedWeights weights) {
        this.spec = spec;
        this.layers = spec.namedLayers();
        this.shapes = spec.outputShapes();
        this.kernels = new float[layers.size()][];
        this.biases = new float[layers.size()][];
        this.weights = weights;
        java.util.Set<String> variables = spec.variableShapes().keySet();
        for (int i = 0; i < layers.size(); i++) {
            if (variables.contains(layers.get(i).name() + "/kernel")) { // an add's are its shortcut's projection
                kernels[i] = weights.kernel(layers.get(i).name()).values();
                biases[i] = weights.bias(layers.get(i).name()).values();
            }
        }
    }

    /** Each layer's output for one row of {@code spec.inputSize()} features, flat (NHWC order). */
    float[][] layerOutputs(float[] row) {
        return layerOutputs(row, new float[layers.size()][]);
    }

    /**
     * As {@link #layerOutputs(float[])}, and each add layer's projected shortcut into {@code projections}
     * (int8 calibration needs its range too).
     */
    float[][] layerOutputs(float[] row, float[][] projections) {
        if (row.length != spec.inputSize()) {
            throw new IllegalArgumentException(
                    "expected a row of " + spec.inputSize() + " features, found " + row.length);
        }
        float[][] out = new float[layers.size()][];
        float[] x = row;
        int[] in = spec.inputShape();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec layer = layers.get(i).spec();
            if (layer instanceof LayerSpec.Dense d) {
                x = dense(x, kernels[i], biases[i], d.units(), d.activation());
            } else if (layer instanceof LayerSpec.Conv2D c) {
                x = conv(x, in, kernels[i], biases[i], c.kernelSize(), c.stride(), c.padding(), 0, shapes.get(i));
                x = activate(x, c.activation());
            } else if (layer instanceof LayerSpec.DepthwiseConv2D d) {
                x = conv(
                        x,
                        in,
                        kernels[i],
                        biases[i],
                        d.kernelSize(),
                        d.stride(),
                        d.padding(),
                        d.multiplier(),
                        shapes.get(i));
                x = activate(x, d.activation());
            } else if (layer instanceof LayerSpec.MaxPool2D p) {
                x = pool(x, in, p.poolSize(), shapes.get(i), true);
            } else if (layer instanceof LayerSpec.AvgPool2D p) {
                x = pool(x, in, p.poolSize(), shapes.get(i), false);
            } else if (layer instanceof LayerSpec.GlobalAvgPool) {
                x = globalAvgPool(x, in);
            } else if (layer instanceof LayerSpec.BatchNorm b) {
                x = batchNorm(x, layers.get(i).name(), b);
            } else if (layer instanceof LayerSpec.Add a) {
                ModelSpec.Shortcut shortcut = spec.shortcut(i);
                float[] from = out[shortcut.from()];
                if (shortcut.projected()) {
                    from = shortcut.shape().length == 1
                            ? dense(from, kernels[i], biases[i], x.length, LayerSpec.Activation.NONE)
                            : conv(
                                    from,
                                    shortcut.shape(),
                                    kernels[i],
                                    biases[i],
                                    1,
                                    shortcut.stride(),
                                    LayerSpec.Padding.SAME,
                                    0,
                                    shapes.get(i));
                    projections[i] = from;
                }
                float[] sum = new float[x.length];
                for (int j = 0; j < sum.length; j++) {
                    sum[j] = x[j] + from[j];
                }
                x = activate(sum, a.activation());
            } else if (!(layer instanceof LayerSpec.Flatten
                    || layer instanceof LayerSpec.Dropout
                    || layer instanceof LayerSpec.Residual)) {
                throw new IllegalStateException("float reference: no Java implementation of layer "
                        + layers.get(i).name() + " (" + layer + ")");
            }
            out[i] = x;
            in = shapes.get(i);
        }
        return out;
    }

    private static float[] dense(float[] x, float[] kernel, float[] bias, int units, LayerSpec.Activation activation) {
        float[] y = bias.clone();
        for (int i = 0; i < x.length; i++) {
            float xi = x[i];
            if (xi != 0f) {
                int base = i * units;
                for (int j = 0; j < units; j++) {
                    y[j] += xi * kernel[base + j];
                }
            }
        }
        return activate(y, activation);
    }

    /**
     * A convolution over NHWC; {@code multiplier} 0 for a regular one (HWIO kernel), else a depthwise
     * one with that many filters per input channel ({@code [k, k, in, multiplier]}).
     */
    private static float[] conv(
            float[] x,
            int[] in,
            float[] kernel,
            float[] bias,
            int k,
            int stride,
            LayerSpec.Padding padding,
            int multiplier,
            int[] outShape) {
        int h = in[0];
        int w = in[1];
        int channels = in[2];
        int oh = outShape[0];
        int ow = outShape[1];
        int filters = outShape[2];
        int padTop = padding == LayerSpec.Padding.SAME ? Math.max((oh - 1) * stride + k - h, 0) / 2 : 0;
        int padLeft = padding == LayerSpec.Padding.SAME ? Math.max((ow - 1) * stride + k - w, 0) / 2 : 0;
        float[] y = new float[oh * ow * filters];
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int o = (oy * ow + ox) * filters;
                System.arraycopy(bias, 0, y, o, filters);
                for (int dy = 0; dy < k; dy++) {
                    int iy = oy * stride + dy - padTop;
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    for (int dx = 0; dx < k; dx++) {
                        int ix = ox * stride + dx - padLeft;
                        if (ix < 0 || ix >= w) {
                            continue;
                        }
                        for (int ci = 0; ci < channels; ci++) {
                            float xv = x[(iy * w + ix) * channels + ci];
                            if (multiplier == 0) {
                                int kb = ((dy * k + dx) * channels + ci) * filters;
                                for (int f = 0; f < filters; f++) {
                                    y[o + f] += xv * kernel[kb + f];
                                }
                            } else {
                                int kb = ((dy * k + dx) * channels + ci) * multiplier;
                                for (int m = 0; m < multiplier; m++) {
                                    y[o + ci * multiplier + m] += xv * kernel[kb + m];
                                }
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    private static float[] pool(float[] x, int[] in, int pool, int[] outShape, boolean max) {
        int w = in[1];
        int channels = in[2];
        int oh = outShape[0];
        int ow = outShape[1];
        float[] y = new float[oh * ow * channels];
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                for (int ci = 0; ci < channels; ci++) {
                    float m = max ? Float.NEGATIVE_INFINITY : 0f;
                    for (int dy = 0; dy < pool; dy++) {
                        for (int dx = 0; dx < pool; dx++) {
                            float v = x[((oy * pool + dy) * w + ox * pool + dx) * channels + ci];
                            m = max ? Math.max(m, v) : m + v;
                        }
                    }
                    y[(oy * ow + ox) * channels + ci] = max ? m : m / (pool * pool);
                }
            }
        }
        return y;
    }

    private float[] batchNorm(float[] x, String name, LayerSpec.BatchNorm b) {
        float[] gamma = weights.get(name + "/gamma").values();
        float[] beta = weights.get(name + "/beta").values();
        float[] mean = weights.get(name + "/moving_mean").values();
        float[] variance = weights.get(name + "/moving_variance").values();
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = i % gamma.length;
            float scale = (float) (gamma[c] / Math.sqrt(variance[c] + b.epsilon()));
            y[i] = x[i] * scale + (beta[c] - mean[c] * scale);
        }
        return activate(y, b.activation());
    }

    private static float[] globalAvgPool(float[] x, int[] in) {
        int channels = in[2];
        int cells = in[0] * in[1];
        float[] y = new float[channels];
        for (int i = 0; i < x.length; i++) {
            y[i % channels] += x[i];
        }
        for (int c = 0; c < channels; c++) {
            y[c] /= cells;
        }
        return y;
    }

    private static float[] activate(float[] y, LayerSpec.Activation activation) {
        if (activation == LayerSpec.Activation.RELU || activation == LayerSpec.Activation.RELU6) {
            float top = activation == LayerSpec.Activation.RELU6 ? 6f : Float.POSITIVE_INFINITY;
            for (int i = 0; i < y.length; i++) {
                y[i] = Math.min(Math.max(y[i], 0f), top);
            }
        } else if (activation != LayerSpec.Activation.NONE) {
            throw new IllegalStateException("float reference: no Java implementation of activation " + activation);
        }
        return y;
    }
}
