package io.distillery.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A classifier's architecture: input shape, layers and number of classes. Immutable and validated on
 * construction, so a bad spec fails before any graph or Spark job exists.
 *
 * <p>The input is fed flat ({@code [batch, product(inputShape)]}); a model whose first layer is a
 * convolution reshapes it to {@code [batch, H, W, C]} inside the graph. The last layer must be a
 * {@code dense(numClasses)} without activation: its output are the logits, and softmax is added on top.
 *
 * @param inputShape e.g. {@code [28, 28, 1]} for images or {@code [784]} for flat features
 */
public record ModelSpec(int[] inputShape, int numClasses, List<LayerSpec> layers) implements java.io.Serializable {

    public ModelSpec {
        if (inputShape == null || inputShape.length == 0) {
            throw new IllegalArgumentException("model: input shape must be given, e.g. [28, 28, 1]");
        }
        for (int d : inputShape) {
            if (d <= 0) {
                throw new IllegalArgumentException(
                        "model: input shape dimensions must be > 0, found " + Arrays.toString(inputShape));
            }
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("model: num classes must be >= 2, found " + numClasses);
        }
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("model: at least one layer is required");
        }
        inputShape = inputShape.clone();
        layers = List.copyOf(layers);
        validateShapes(inputShape, numClasses, layers);
    }

    /** Parses layers from their textual form, e.g. {@code ["dense(128,relu)", "dense(10)"]}. */
    public static ModelSpec of(int[] inputShape, int numClasses, List<String> layers) {
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("model: at least one layer is required");
        }
        List<LayerSpec> parsed = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            try {
                parsed.addAll(LayerSpec.parseAll(layers.get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model layer " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return new ModelSpec(inputShape, numClasses, parsed);
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** Number of input features, the product of the input shape. */
    public int inputSize() {
        return Arrays.stream(inputShape).reduce(1, (a, b) -> a * b);
    }

    /** Layers with their stable scope names, in order. */
    public List<NamedLayer> namedLayers() {
        List<NamedLayer> out = new ArrayList<>();
        java.util.Map<String, Integer> counters = new java.util.HashMap<>();
        for (LayerSpec layer : layers) {
            int n = counters.merge(layer.kind(), 1, Integer::sum);
            out.add(new NamedLayer(layer.kind() + "_" + n, layer));
        }
        return out;
    }

    /** Shape of every layer's output, batch dimension left out. */
    public List<int[]> outputShapes() {
        return shapes(inputShape, layers);
    }

    /**
     * Every variable's name ({@code <layer>/kernel}, {@code <layer>/bias}) and shape, in graph order:
     * what a stored {@link Weights} must hold for this architecture.
     */
    public java.util.Map<String, long[]> variableShapes() {
        java.util.Map<String, long[]> out = new java.util.LinkedHashMap<>();
        List<int[]> shapes = outputShapes();
        List<NamedLayer> named = namedLayers();
        int[] in = inputShape;
        for (int i = 0; i < named.size(); i++) {
            String name = named.get(i).name();
            if (named.get(i).spec() instanceof LayerSpec.Dense d) {
                out.put(name + "/kernel", new long[] {last(in), d.units()});
                out.put(name + "/bias", new long[] {d.units()});
            } else if (named.get(i).spec() instanceof LayerSpec.Conv2D c) {
                out.put(name + "/kernel", new long[] {c.kernelSize(), c.kernelSize(), last(in), c.filters()});
                out.put(name + "/bias", new long[] {c.filters()});
            } else if (named.get(i).spec() instanceof LayerSpec.BatchNorm) {
                for (String v : BATCH_NORM_VARIABLES) {
                    out.put(name + "/" + v, new long[] {last(in)});
                }
            } else if (named.get(i).spec() instanceof LayerSpec.DepthwiseConv2D d) {
                out.put(name + "/kernel", new long[] {d.kernelSize(), d.kernelSize(), last(in), d.multiplier()});
                out.put(name + "/bias", new long[] {(long) last(in) * d.multiplier()});
            } else if (named.get(i).spec() instanceof LayerSpec.Add) {
                Shortcut s = shortcut(i);
                if (s.projected()) {
                    int from = last(s.shape());
                    out.put(
                            name + "/kernel",
                            s.shape().length == 3 ? new long[] {1, 1, from, last(in)} : new long[] {from, last(in)});
                    out.put(name + "/bias", new long[] {last(in)});
                }
            }
            in = shapes.get(i);
        }
        return out;
    }

    /** A batch-norm layer's variables, Keras's names; the moving ones are not trained. */
    public static final List<String> BATCH_NORM_VARIABLES = List.of("gamma", "beta", "moving_mean", "moving_variance");

    /** Number of parameters: kernels, biases and batch norm's four vectors (as Keras counts them). */
    public long parameterCount() {
        return variableShapes().values().stream().mapToLong(ModelSpec::size).sum();
    }

    /** A table of the layers, their output shapes and parameter counts, as Keras's {@code summary()}. */
    public String summary() {
        java.util.Map<String, long[]> variables = variableShapes();
        List<NamedLayer> named = namedLayers();
        List<int[]> shapes = outputShapes();
        StringBuilder out =
                new StringBuilder(String.format("  %-16s %-28s %-16s %10s%n", "layer", "", "output", "params"));
        for (int i = 0; i < named.size(); i++) {
            String prefix = named.get(i).name() + "/";
            long params = variables.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(prefix))
                    .mapToLong(e -> size(e.getValue()))
                    .sum();
            out.append(String.format(
                    "  %-16s %-28s %-16s %,10d%n",
                    named.get(i).name(), named.get(i).spec(), Arrays.toString(shapes.get(i)), params));
        }
        return out.append(String.format("  %-62s %,10d%n", "total", parameterCount()))
                .toString();
    }

    /**
     * Fails naming the first layer whose stored weights do not fit this architecture: a changed config
     * meets this message instead of a shape error deep in TensorFlow.
     */
    public void checkWeights(Weights weights) {
        java.util.Map<String, long[]> expected = variableShapes();
        java.util.Map<String, LayerSpec> layerOf = new java.util.HashMap<>();
        namedLayers().forEach(l -> layerOf.put(l.name(), l.spec()));
        for (var e : expected.entrySet()) {
            String layer = e.getKey().substring(0, e.getKey().indexOf('/'));
            String where = "layer " + layer + " (" + layerOf.get(layer) + ")";
            if (!weights.contains(e.getKey())) {
                throw new WeightsMismatchException(where + ": the stored weights have no " + e.getKey());
            }
            long[] found = weights.get(e.getKey()).shape();
            if (!java.util.Arrays.equals(found, e.getValue())) {
                throw new WeightsMismatchException(where + ": " + e.getKey() + " is " + java.util.Arrays.toString(found)
                        + " in the stored weights, " + java.util.Arrays.toString(e.getValue())
                        + " in the configured model");
            }
        }
        for (String name : weights.asMap().keySet()) {
            if (!expected.containsKey(name)) {
                throw new WeightsMismatchException(
                        "the stored weights have " + name + ", which the configured model " + layers + " does not");
            }
        }
    }

    /**
     * What the {@link LayerSpec.Add} at {@code addIndex} adds to its block's output: the output of the
     * block's {@link LayerSpec.Residual} (layer {@code from}, shape {@code shape}), through a 1×1
     * projection with {@code stride} when the block changed the shape.
     */
    public record Shortcut(int from, int[] shape, boolean projected, int stride) {}

    /**
     * The shortcut of the add layer at {@code addIndex}.
     *
     * @throws IllegalArgumentException if that layer is not an add
     */
    public Shortcut shortcut(int addIndex) {
        int from = residualStarts(layers)[addIndex];
        if (from < 0) {
            throw new IllegalArgumentException("model layer " + (addIndex + 1) + " is not the end of a residual block");
        }
        List<int[]> shapes = outputShapes();
        int[] in = shapes.get(from);
        int[] out = shapes.get(addIndex);
        return new Shortcut(from, in, !Arrays.equals(in, out), in.length == 3 ? stride(in, out) : 1);
    }

    /** For each add layer, the index of the residual layer that starts its block; -1 for other layers. */
    private static int[] residualStarts(List<LayerSpec> layers) {
        int[] starts = new int[layers.size()];
        java.util.ArrayDeque<Integer> open = new java.util.ArrayDeque<>();
        for (int i = 0; i < layers.size(); i++) {
            starts[i] = -1;
            if (layers.get(i) instanceof LayerSpec.Residual) {
                open.push(i);
            } else if (layers.get(i) instanceof LayerSpec.Add) {
                if (open.isEmpty()) {
                    throw new IllegalArgumentException(
                            "model layer " + (i + 1) + " add: no residual block to end; write residual(layers...)");
                }
                starts[i] = open.pop();
            }
        }
        if (!open.isEmpty()) {
            throw new IllegalArgumentException(
                    "model layer " + (open.peek() + 1) + " residual: the block has no add; write residual(layers...)");
        }
        return starts;
    }

    /** A layer and its scope name in the graph. */
    public record NamedLayer(String name, LayerSpec spec) implements java.io.Serializable {}

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec m
                && Arrays.equals(inputShape, m.inputShape)
                && numClasses == m.numClasses
                && layers.equals(m.layers);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(inputShape) + numClasses) + layers.hashCode();
    }

    @Override
    public String toString() {
        return "ModelSpec" + Arrays.toString(inputShape) + " " + layers + " -> " + numClasses;
    }

    /** The number of values of a variable of {@code shape}. */
    private static long size(long[] shape) {
        return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    private static int last(int[] shape) {
        return shape[shape.length - 1];
    }

    private static void validateShapes(int[] inputShape, int numClasses, List<LayerSpec> layers) {
        List<int[]> shapes = shapes(inputShape, layers);
        int[] out = shapes.get(shapes.size() - 1);
        LayerSpec lastLayer = layers.get(layers.size() - 1);
        if (!(lastLayer instanceof LayerSpec.Dense d)
                || d.activation() != LayerSpec.Activation.NONE
                || out.length != 1
                || out[0] != numClasses) {
            throw new IllegalArgumentException(
                    "model: the last layer must be dense(" + numClasses + ") without activation (the logits),"
                            + " found " + lastLayer + " with output shape " + Arrays.toString(out));
        }
    }

    /**
     * The output shape of a sliding window over {@code [height, width, channels]}, as TensorFlow computes
     * it: SAME gives {@code ceil(in / stride)}, VALID {@code floor((in - k) / stride) + 1}.
     *
     * @param where the error prefix, ending in the window's name ({@code kernel}, {@code pool})
     * @param channels the output channels, or -1 to keep the input's
     */
    private static int[] window(String where, int[] shape, int k, int stride, LayerSpec.Padding padding, int channels) {
        if (shape.length != 3) {
            throw new IllegalArgumentException(where.substring(0, where.lastIndexOf(": ") + 2)
                    + "needs [height, width, channels] input, found " + Arrays.toString(shape));
        }
        int h = padding == LayerSpec.Padding.SAME ? (shape[0] + stride - 1) / stride : (shape[0] - k) / stride + 1;
        int w = padding == LayerSpec.Padding.SAME ? (shape[1] + stride - 1) / stride : (shape[1] - k) / stride + 1;
        if (shape[0] < k && padding == LayerSpec.Padding.VALID || shape[1] < k && padding == LayerSpec.Padding.VALID) {
            throw new IllegalArgumentException(where + " larger than its input " + Arrays.toString(shape));
        }
        return new int[] {h, w, channels < 0 ? shape[2] : channels};
    }

    /** A shortcut of shape {@code in} can be added to a block output of shape {@code out}, projected if need be. */
    private static void checkShortcut(String where, int[] in, int[] out) {
        if (in.length != out.length || in.length == 2) {
            throw new IllegalArgumentException(where + "the block turns " + Arrays.toString(in) + " into "
                    + Arrays.toString(out) + "; a residual block must keep its input's rank (image or flat)");
        }
        if (in.length == 3) {
            int stride = stride(in, out);
            if (stride < 1 || (in[0] + stride - 1) / stride != out[0] || (in[1] + stride - 1) / stride != out[1]) {
                throw new IllegalArgumentException(where + "the block turns " + Arrays.toString(in) + " into "
                        + Arrays.toString(out) + "; a 1×1 projection of the shortcut can only stride its height"
                        + " and width by one factor");
            }
        }
    }

    /** The stride that takes height {@code in[0]} to {@code out[0]} as a SAME window does: ceil(in / stride). */
    private static int stride(int[] in, int[] out) {
        return (int) Math.round((double) in[0] / Math.max(out[0], 1));
    }

    private static List<int[]> shapes(int[] inputShape, List<LayerSpec> layers) {
        List<int[]> out = new ArrayList<>();
        int[] starts = residualStarts(layers);
        int[] shape = inputShape.clone();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec layer = layers.get(i);
            String where = "model layer " + (i + 1) + " " + layer + ": ";
            if (layer instanceof LayerSpec.Add) {
                checkShortcut(where, out.get(starts[i]), shape);
            }
            if (layer instanceof LayerSpec.Dense d) {
                if (shape.length != 1) {
                    throw new IllegalArgumentException(where + "needs flat input, found shape " + Arrays.toString(shape)
                            + "; add flatten before it");
                }
                shape = new int[] {d.units()};
            } else if (layer instanceof LayerSpec.Conv2D c) {
                shape = window(where + "kernel", shape, c.kernelSize(), c.stride(), c.padding(), c.filters());
            } else if (layer instanceof LayerSpec.DepthwiseConv2D d) {
                shape = window(
                        where + "kernel",
                        shape,
                        d.kernelSize(),
                        d.stride(),
                        d.padding(),
                        shape.length == 3 ? shape[2] * d.multiplier() : 0);
            } else if (layer instanceof LayerSpec.MaxPool2D p) {
                shape = window(where + "pool", shape, p.poolSize(), p.poolSize(), LayerSpec.Padding.VALID, -1);
            } else if (layer instanceof LayerSpec.AvgPool2D p) {
                shape = window(where + "pool", shape, p.poolSize(), p.poolSize(), LayerSpec.Padding.VALID, -1);
            } else if (layer instanceof LayerSpec.GlobalAvgPool) {
                shape = window(where + "pool", shape, 1, 1, LayerSpec.Padding.VALID, -1);
                shape = new int[] {shape[2]};
            } else if (layer instanceof LayerSpec.Flatten) {
                shape = new int[] {Arrays.stream(shape).reduce(1, (a, b) -> a * b)};
            }
            // Dropout, batch norm, residual and add keep the shape (add projects its shortcut to it).
            out.add(shape.clone());
        }
        return out;
    }
}
