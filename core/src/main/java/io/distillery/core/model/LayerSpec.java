package io.distillery.core.model;

import java.util.Locale;

/**
 * One layer of a model, as written in a job config. Layers are plain values; {@link ModelGraph} turns
 * them into TensorFlow ops with stable names ({@code dense_1/kernel}, {@code conv2d_2/bias}).
 *
 * <p>The textual form is the one used in YAML configs: {@code conv2d(32,3,relu)}, {@code
 * conv2d(64,3,relu6,same,2)} (stride 2), {@code dwconv2d(3,1,relu6,same)}, {@code maxpool(2)}, {@code
 * avgpool(2)}, {@code globalavgpool}, {@code flatten}, {@code dense(128,relu)}, {@code dropout(0.25)},
 * {@code dense(10)}, {@code batchnorm(relu6)}; {@link #parseAll} also reads {@code separable(64,3,relu6,same)}, a depthwise and a
 * 1×1 pointwise convolution, and {@code residual(conv2d(32,3,none,same), batchnorm(relu), conv2d(32,3,none,same),
 * batchnorm, relu)}, a residual block: {@link Residual}, the layers, then {@link Add} with the activation
 * given last.
 */
public sealed interface LayerSpec extends java.io.Serializable
        permits LayerSpec.Dense,
                LayerSpec.Conv2D,
                LayerSpec.DepthwiseConv2D,
                LayerSpec.MaxPool2D,
                LayerSpec.AvgPool2D,
                LayerSpec.GlobalAvgPool,
                LayerSpec.BatchNorm,
                LayerSpec.Flatten,
                LayerSpec.Dropout,
                LayerSpec.Residual,
                LayerSpec.Add {

    /**
     * Prefix of this layer kind's scope names: {@code dense}, {@code conv2d}, ... One chain over the
     * permitted kinds, like every other per-kind dispatch here (Java 17 has no pattern switch).
     */
    default String kind() {
        if (this instanceof Dense) {
            return "dense";
        } else if (this instanceof Conv2D) {
            return "conv2d";
        } else if (this instanceof DepthwiseConv2D) {
            return "dwconv2d";
        } else if (this instanceof MaxPool2D) {
            return "maxpool";
        } else if (this instanceof AvgPool2D) {
            return "avgpool";
        } else if (this instanceof GlobalAvgPool) {
            return "globalavgpool";
        } else if (this instanceof BatchNorm) {
            return "batchnorm";
        } else if (this instanceof Flatten) {
            return "flatten";
        } else if (this instanceof Dropout) {
            return "dropout";
        } else if (this instanceof Residual) {
            return "residual";
        } else if (this instanceof Add) {
            return "add";
        }
        throw new IllegalStateException("no kind for layer " + getClass().getSimpleName());
    }

    /** Whether the layer owns a kernel and a bias. */
    default boolean hasWeights() {
        return this instanceof Dense || this instanceof Conv2D || this instanceof DepthwiseConv2D;
    }

    /** Activation applied after a layer's affine part. */
    enum Activation {
        NONE,
        RELU,
        /** {@code min(max(x, 0), 6)}: MobileNet's, and the range int8 quantization likes. */
        RELU6;

        static Activation parse(String text, String layer) {
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "", "none", "linear" -> NONE;
                case "relu" -> RELU;
                case "relu6" -> RELU6;
                default ->
                    throw new IllegalArgumentException(
                            "layer " + layer + ": unknown activation '" + text + "'; expected relu, relu6 or none");
            };
        }

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Padding of a convolution, as in TensorFlow. */
    enum Padding {
        VALID,
        SAME
    }

    /** Fully connected layer: {@code y = act(x · kernel + bias)}, kernel {@code [in, units]}. */
    record Dense(int units, Activation activation) implements LayerSpec {
        public Dense {
            if (units <= 0) {
                throw new IllegalArgumentException("dense: units must be > 0, found " + units);
            }
        }

        @Override
        public String toString() {
            return activation == Activation.NONE
                    ? "dense(" + units + ")"
                    : "dense(" + units + "," + activation.key() + ")";
        }
    }

    /** 2-D convolution over NHWC input; kernel {@code [k, k, in, filters]} (HWIO). */
    record Conv2D(int filters, int kernelSize, Activation activation, Padding padding, int stride)
            implements LayerSpec {
        public Conv2D {
            if (filters <= 0) {
                throw new IllegalArgumentException("conv2d: filters must be > 0, found " + filters);
            }
            if (kernelSize <= 0) {
                throw new IllegalArgumentException("conv2d: kernel size must be > 0, found " + kernelSize);
            }
            if (stride <= 0) {
                throw new IllegalArgumentException("conv2d: stride must be > 0, found " + stride);
            }
        }

        public Conv2D(int filters, int kernelSize, Activation activation, Padding padding) {
            this(filters, kernelSize, activation, padding, 1);
        }

        @Override
        public String toString() {
            return "conv2d(" + filters + "," + kernelSize + "," + activation.key() + ","
                    + padding.name().toLowerCase(Locale.ROOT) + (stride == 1 ? "" : "," + stride) + ")";
        }
    }

    /**
     * Depthwise 2-D convolution: each input channel convolved with its own {@code multiplier} filters;
     * kernel {@code [k, k, in, multiplier]}, {@code in × multiplier} outputs, as TensorFlow's
     * {@code DepthwiseConv2dNative}.
     */
    record DepthwiseConv2D(int kernelSize, int multiplier, Activation activation, Padding padding, int stride)
            implements LayerSpec {
        public DepthwiseConv2D {
            if (kernelSize <= 0 || multiplier <= 0 || stride <= 0) {
                throw new IllegalArgumentException("dwconv2d: kernel size, multiplier and stride must be > 0, found "
                        + kernelSize + ", " + multiplier + ", " + stride);
            }
        }

        @Override
        public String toString() {
            return "dwconv2d(" + kernelSize + "," + multiplier + "," + activation.key() + ","
                    + padding.name().toLowerCase(Locale.ROOT) + (stride == 1 ? "" : "," + stride) + ")";
        }
    }

    /** Max pooling with a square window and a stride equal to the window, VALID padding. */
    record MaxPool2D(int poolSize) implements LayerSpec {
        public MaxPool2D {
            if (poolSize <= 0) {
                throw new IllegalArgumentException("maxpool: pool size must be > 0, found " + poolSize);
            }
        }

        @Override
        public String toString() {
            return "maxpool(" + poolSize + ")";
        }
    }

    /**
     * Batch normalization over the last axis, then an activation: the batch's statistics while training
     * (the moving averages follow them with {@code momentum}), the moving averages at inference. Keras's
     * defaults: momentum 0.99, epsilon 0.001. Variables {@code gamma}, {@code beta} (trained),
     * {@code moving_mean}, {@code moving_variance} (not trained), one value per channel.
     */
    record BatchNorm(Activation activation, double momentum, double epsilon) implements LayerSpec {
        public static final double MOMENTUM = 0.99;
        public static final double EPSILON = 1e-3;

        public BatchNorm {
            if (!(momentum >= 0 && momentum < 1) || !(epsilon > 0)) {
                throw new IllegalArgumentException(
                        "batchnorm: momentum must be in [0, 1) and epsilon > 0, found " + momentum + ", " + epsilon);
            }
        }

        @Override
        public String toString() {
            if (momentum == MOMENTUM && epsilon == EPSILON) {
                return activation == Activation.NONE ? "batchnorm" : "batchnorm(" + activation.key() + ")";
            }
            return "batchnorm(" + activation.key() + "," + momentum + "," + epsilon + ")";
        }
    }

    /** Average pooling with a square window and a stride equal to the window, VALID padding. */
    record AvgPool2D(int poolSize) implements LayerSpec {
        public AvgPool2D {
            if (poolSize <= 0) {
                throw new IllegalArgumentException("avgpool: pool size must be > 0, found " + poolSize);
            }
        }

        @Override
        public String toString() {
            return "avgpool(" + poolSize + ")";
        }
    }

    /** The mean of each channel over height and width: {@code [N, H, W, C]} to {@code [N, C]}. */
    record GlobalAvgPool() implements LayerSpec {
        @Override
        public String toString() {
            return kind();
        }
    }

    /** Flattens {@code [N, H, W, C]} to {@code [N, H*W*C]} (row-major, as Keras does). */
    record Flatten() implements LayerSpec {
        @Override
        public String toString() {
            return kind();
        }
    }

    /** Inverted dropout during training; the identity at inference and in every export. */
    record Dropout(double rate) implements LayerSpec {
        public Dropout {
            if (!(rate >= 0 && rate < 1)) {
                throw new IllegalArgumentException("dropout: rate must be in [0, 1), found " + rate);
            }
        }

        @Override
        public String toString() {
            return "dropout(" + rate + ")";
        }
    }

    /**
     * The start of a residual block: the identity, whose output the block's {@link Add} adds back. A
     * marker in the flat layer list, so every walker of the list stays a loop over layers.
     */
    record Residual() implements LayerSpec {
        @Override
        public String toString() {
            return kind();
        }
    }

    /**
     * The end of a residual block: {@code act(body + shortcut)}, where the shortcut is the output of the
     * matching {@link Residual} (see {@link ModelSpec#shortcut}). Where the body changed the shape, the
     * shortcut goes through a 1×1 projection first (ResNet's option B): a convolution with the body's
     * stride, or a dense layer on flat data, with variables {@code kernel} and {@code bias}.
     */
    record Add(Activation activation) implements LayerSpec {
        @Override
        public String toString() {
            return activation == Activation.NONE ? "add" : "add(" + activation.key() + ")";
        }
    }

    /**
     * Parses one layer from its textual form.
     *
     * @throws IllegalArgumentException naming the text and what was expected
     */
    static LayerSpec parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        String name = t;
        String[] args = new String[0];
        int open = t.indexOf('(');
        if (open >= 0) {
            if (!t.endsWith(")")) {
                throw new IllegalArgumentException("layer '" + text + "': missing ')'");
            }
            name = t.substring(0, open);
            String inner = t.substring(open + 1, t.length() - 1);
            args = inner.isEmpty() ? new String[0] : inner.split(",");
        }
        try {
            return switch (name) {
                case "dense" -> {
                    need(text, args, 1, 2);
                    yield new Dense(
                            Integer.parseInt(args[0]),
                            args.length > 1 ? Activation.parse(args[1], text) : Activation.NONE);
                }
                case "conv2d" -> {
                    need(text, args, 2, 5);
                    yield new Conv2D(
                            Integer.parseInt(args[0]),
                            Integer.parseInt(args[1]),
                            activation(args, 2, text),
                            padding(args, 3, text),
                            args.length > 4 ? Integer.parseInt(args[4]) : 1);
                }
                case "dwconv2d", "depthwiseconv2d" -> {
                    need(text, args, 1, 5);
                    yield new DepthwiseConv2D(
                            Integer.parseInt(args[0]),
                            args.length > 1 ? Integer.parseInt(args[1]) : 1,
                            activation(args, 2, text),
                            padding(args, 3, text),
                            args.length > 4 ? Integer.parseInt(args[4]) : 1);
                }
                case "avgpool", "avgpool2d" -> {
                    need(text, args, 1, 1);
                    yield new AvgPool2D(Integer.parseInt(args[0]));
                }
                case "batchnorm", "batchnormalization" -> {
                    need(text, args, 0, 3);
                    yield new BatchNorm(
                            activation(args, 0, text),
                            args.length > 1 ? Double.parseDouble(args[1]) : BatchNorm.MOMENTUM,
                            args.length > 2 ? Double.parseDouble(args[2]) : BatchNorm.EPSILON);
                }
                case "globalavgpool" -> {
                    need(text, args, 0, 0);
                    yield new GlobalAvgPool();
                }
                case "maxpool", "maxpool2d" -> {
                    need(text, args, 1, 1);
                    yield new MaxPool2D(Integer.parseInt(args[0]));
                }
                case "flatten" -> {
                    need(text, args, 0, 0);
                    yield new Flatten();
                }
                case "dropout" -> {
                    need(text, args, 1, 1);
                    yield new Dropout(Double.parseDouble(args[0]));
                }
                case "residual" -> {
                    need(text, args, 0, 0);
                    yield new Residual();
                }
                case "add" -> {
                    need(text, args, 0, 1);
                    yield new Add(activation(args, 0, text));
                }
                default ->
                    throw new IllegalArgumentException(
                            "unknown layer '" + text + "'; expected dense, conv2d, dwconv2d, separable, batchnorm,"
                                    + " maxpool, avgpool, globalavgpool, flatten, dropout or residual(layers...)");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("layer '" + text + "': not a number: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains(text)) {
                throw e;
            }
            throw new IllegalArgumentException("layer '" + text + "': " + e.getMessage(), e);
        }
    }

    /**
     * Parses one entry of a config's layer list: one layer, or for {@code separable(filters, k[, act[,
     * padding[, stride]]])} the depthwise convolution (no activation) and the 1×1 convolution that
     * make a separable one, as Keras's {@code SeparableConv2D} computes it.
     */
    static java.util.List<LayerSpec> parseAll(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        if (t.startsWith("residual(") && t.endsWith(")")) {
            return residual(text, t.substring("residual(".length(), t.length() - 1));
        }
        if (!t.startsWith("separable(") || !t.endsWith(")")) {
            return java.util.List.of(parse(text));
        }
        String[] args = t.substring("separable(".length(), t.length() - 1).split(",");
        need(text, args, 2, 5);
        try {
            String padding = args.length > 3 ? args[3] : "valid";
            String stride = args.length > 4 ? args[4] : "1";
            return java.util.List.of(
                    parse("dwconv2d(" + args[1] + ",1,none," + padding + "," + stride + ")"),
                    parse("conv2d(" + args[0] + ",1," + (args.length > 2 ? args[2] : "none") + ",valid)"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer '" + text + "': " + e.getMessage(), e);
        }
    }

    /**
     * {@code residual(layer, ..., [activation])}: {@link Residual}, the layers (each may be a separable
     * or a residual block itself), then {@link Add} with the activation if the last argument names one.
     */
    private static java.util.List<LayerSpec> residual(String text, String inner) {
        java.util.List<String> args = new java.util.ArrayList<>();
        int depth = 0;
        int from = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (c == ',' && depth == 0) {
                args.add(inner.substring(from, i));
                from = i + 1;
            }
        }
        args.add(inner.substring(from));
        Activation after = Activation.NONE;
        String last = args.get(args.size() - 1);
        if (java.util.Set.of("relu", "relu6", "none", "linear").contains(last)) {
            after = Activation.parse(last, text);
            args.remove(args.size() - 1);
        }
        if (args.isEmpty() || args.get(0).isEmpty()) {
            throw new IllegalArgumentException("layer '" + text
                    + "': a residual block needs at least one layer, e.g. residual(conv2d(32,3,relu,same))");
        }
        java.util.List<LayerSpec> out = new java.util.ArrayList<>();
        out.add(new Residual());
        for (String arg : args) {
            try {
                out.addAll(parseAll(arg));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("in '" + text + "': " + e.getMessage(), e);
            }
        }
        out.add(new Add(after));
        return out;
    }

    private static Activation activation(String[] args, int i, String text) {
        return args.length > i ? Activation.parse(args[i], text) : Activation.NONE;
    }

    private static Padding padding(String[] args, int i, String text) {
        if (args.length <= i) {
            return Padding.VALID;
        }
        return switch (args[i]) {
            case "valid" -> Padding.VALID;
            case "same" -> Padding.SAME;
            default ->
                throw new IllegalArgumentException(
                        "layer '" + text + "': padding must be valid or same, found '" + args[i] + "'");
        };
    }

    private static void need(String text, String[] args, int min, int max) {
        if (args.length < min || args.length > max) {
            throw new IllegalArgumentException("layer '" + text + "': expected "
                    + (min == max ? "" + min : min + " to " + max) + " arguments, found " + args.length);
        }
    }
}
