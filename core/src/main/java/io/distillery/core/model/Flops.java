package io.distillery.core.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Analytic floating-point operation counts of a {@link ModelSpec}, per example: what a measured step
 * time turns into a FLOP rate, comparable with the rate of a plain matrix product.
 *
 * <p>Conventions (one multiply-add is 2 FLOPs):
 *
 * <ul>
 *   <li>dense: {@code 2·in·units} for the product, plus {@code units} for the bias;
 *   <li>conv2d: {@code 2·Hout·Wout·k·k·Cin·Cout}, plus {@code Hout·Wout·Cout} for the bias (SAME
 *       padding counts the products with the padded zeros, as im2col computes them);
 *   <li>dwconv2d: {@code 2·Hout·Wout·k·k·Cin·multiplier}, plus one per output value for the bias;
 *   <li>maxpool and avgpool ({@code p×p}): {@code p·p − 1} comparisons or additions per output value,
 *       avgpool one division more; globalavgpool {@code H·W} per channel;
 *   <li>batchnorm: 2 per value ({@code x·scale + shift}); the batch statistics of training are not
 *       counted;
 *   <li>residual add: 1 per output value, plus, where the block changed the shape, the 1×1 projection of
 *       the shortcut (a conv2d with the block's stride, or a dense layer) counted as above;
 *   <li>activations, flatten, dropout and the residual marker: 0 (a relu is a comparison, and none of
 *       them is a product).
 * </ul>
 *
 * The products dominate: for the default teacher the small terms are under 1 % of the total.
 *
 * <p>A training step is counted as {@value #TRAINING_MULTIPLIER}× the forward pass ({@link #training}):
 * the forward products, and in the backward pass two products of the same size per weighted layer,
 * one for the gradient of the kernel and one for the gradient of the layer's input. This is the usual
 * convention (e.g. "6·parameters·tokens" for transformers). It slightly overstates what TensorFlow runs:
 * nobody asks for the gradient of the model's input, so the first weighted layer's input gradient is
 * pruned from the graph. {@link #trainingExecuted} leaves it out (for the default teacher that is 1.8 %
 * less; for a 784-128-10 MLP a third less, as its first layer is most of its work). Optimizer updates
 * (a few FLOPs per parameter per step, not per example) are not counted.
 */
public final class Flops {
    /** Forward plus two backward products per weighted layer. */
    public static final int TRAINING_MULTIPLIER = 3;

    private Flops() {}

    /** Forward-pass FLOPs per example, layer by layer, in the order of {@link ModelSpec#namedLayers()}. */
    public static List<Long> forwardPerLayer(ModelSpec spec) {
        List<Long> products = productsPerLayer(spec);
        List<Long> out = new ArrayList<>();
        List<int[]> shapes = spec.outputShapes();
        int[] in = spec.inputShape();
        for (int i = 0; i < spec.layers().size(); i++) {
            LayerSpec layer = spec.layers().get(i);
            long outputs = size(shapes.get(i));
            long small;
            if (layer.hasWeights()) {
                small = outputs; // the bias
            } else if (layer instanceof LayerSpec.MaxPool2D p) {
                small = outputs * ((long) p.poolSize() * p.poolSize() - 1);
            } else if (layer instanceof LayerSpec.AvgPool2D p) {
                small = outputs * ((long) p.poolSize() * p.poolSize());
            } else if (layer instanceof LayerSpec.GlobalAvgPool) {
                small = size(in);
            } else if (layer instanceof LayerSpec.BatchNorm) {
                small = 2 * outputs;
            } else if (layer instanceof LayerSpec.Add) {
                small = products.get(i) > 0 ? 2 * outputs : outputs; // the add, and the projection's bias
            } else {
                small = 0;
            }
            out.add(products.get(i) + small);
            in = shapes.get(i);
        }
        return out;
    }

    /**
     * The FLOPs of each layer's product alone (2 per multiply-add, no bias), per example: dense, conv2d,
     * dwconv2d, and an add's shortcut projection; 0 for the other layers.
     */
    public static List<Long> productsPerLayer(ModelSpec spec) {
        List<Long> out = new ArrayList<>();
        List<int[]> shapes = spec.outputShapes();
        int[] in = spec.inputShape();
        for (int i = 0; i < spec.layers().size(); i++) {
            LayerSpec layer = spec.layers().get(i);
            int[] o = shapes.get(i);
            long flops = 0;
            if (layer instanceof LayerSpec.Dense d) {
                flops = 2L * in[0] * d.units();
            } else if (layer instanceof LayerSpec.Conv2D c) {
                flops = 2L * o[0] * o[1] * c.kernelSize() * c.kernelSize() * in[2] * c.filters();
            } else if (layer instanceof LayerSpec.DepthwiseConv2D d) {
                // o[2] = Cin · multiplier: each output value is one k×k window of one input channel.
                flops = 2L * o[0] * o[1] * d.kernelSize() * d.kernelSize() * o[2];
            } else if (layer instanceof LayerSpec.Add) {
                ModelSpec.Shortcut s = spec.shortcut(i);
                flops = s.projected() ? 2L * size(o) * s.shape()[s.shape().length - 1] : 0;
            }
            out.add(flops);
            in = o;
        }
        return out;
    }

    /** Forward-pass FLOPs per example: the sum of {@link #forwardPerLayer}. */
    public static long forward(ModelSpec spec) {
        return forwardPerLayer(spec).stream().mapToLong(Long::longValue).sum();
    }

    /** Training FLOPs per example by the convention: {@value #TRAINING_MULTIPLIER}× {@link #forward}. */
    public static long training(ModelSpec spec) {
        return TRAINING_MULTIPLIER * forward(spec);
    }

    /**
     * Training FLOPs per example that TensorFlow actually runs: {@link #training} less the first weighted
     * layer's input gradient (the model's input needs none), one product the size of its forward one.
     */
    public static long trainingExecuted(ModelSpec spec) {
        return training(spec) - firstProduct(spec);
    }

    /** The product FLOPs of the first weighted layer, whose input gradient nobody computes; 0 if none. */
    public static long firstProduct(ModelSpec spec) {
        for (long p : productsPerLayer(spec)) {
            if (p > 0) {
                return p;
            }
        }
        return 0;
    }

    private static long size(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
