package io.distillery.core.model;

import java.util.Locale;

/**
 * One layer of a model, as written in a job config. Layers are plain values; {@link ModelGraph} turns
 * them into TensorFlow ops with stable names ({@code dense_1/kernel}, {@code conv2d_2/bias}).
 *
 * <p>The textual form is the one used in YAML configs: {@code conv2d(32,3,relu)}, {@code maxpool(2)},
 * {@code flatten}, {@code dense(128,relu)}, {@code dropout(0.25)}, {@code dense(10)}.
 */
public sealed interface LayerSpec extends java.io.Serializable
        permits LayerSpec.Dense, LayerSpec.Conv2D, LayerSpec.MaxPool2D, LayerSpec.Flatten, LayerSpec.Dropout {

    /** Prefix of this layer kind's scope names: {@code dense}, {@code conv2d}, ... */
    String kind();

    /** Whether the layer owns a kernel and a bias. */
    default boolean hasWeights() {
        return false;
    }

    /** Activation applied after a layer's affine part. */
    enum Activation {
        NONE,
        RELU;

        static Activation parse(String text, String layer) {
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "", "none", "linear" -> NONE;
                case "relu" -> RELU;
                default ->
                    throw new IllegalArgumentException(
                            "layer " + layer + ": unknown activation '" + text + "'; expected relu or none");
            };
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
        public String kind() {
            return "dense";
        }

        @Override
        public boolean hasWeights() {
            return true;
        }

        @Override
        public String toString() {
            return activation == Activation.NONE
                    ? "dense(" + units + ")"
                    : "dense(" + units + "," + activation.name().toLowerCase(Locale.ROOT) + ")";
        }
    }

    /** 2-D convolution over NHWC input, stride 1; kernel {@code [k, k, in, filters]} (HWIO). */
    record Conv2D(int filters, int kernelSize, Activation activation, Padding padding) implements LayerSpec {
        public Conv2D {
            if (filters <= 0) {
                throw new IllegalArgumentException("conv2d: filters must be > 0, found " + filters);
            }
            if (kernelSize <= 0) {
                throw new IllegalArgumentException("conv2d: kernel size must be > 0, found " + kernelSize);
            }
        }

        @Override
        public String kind() {
            return "conv2d";
        }

        @Override
        public boolean hasWeights() {
            return true;
        }

        @Override
        public String toString() {
            return "conv2d(" + filters + "," + kernelSize + ","
                    + activation.name().toLowerCase(Locale.ROOT) + ","
                    + padding.name().toLowerCase(Locale.ROOT) + ")";
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
        public String kind() {
            return "maxpool";
        }

        @Override
        public String toString() {
            return "maxpool(" + poolSize + ")";
        }
    }

    /** Flattens {@code [N, H, W, C]} to {@code [N, H*W*C]} (row-major, as Keras does). */
    record Flatten() implements LayerSpec {
        @Override
        public String kind() {
            return "flatten";
        }

        @Override
        public String toString() {
            return "flatten";
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
        public String kind() {
            return "dropout";
        }

        @Override
        public String toString() {
            return "dropout(" + rate + ")";
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
                    need(text, args, 2, 4);
                    yield new Conv2D(
                            Integer.parseInt(args[0]),
                            Integer.parseInt(args[1]),
                            args.length > 2 ? Activation.parse(args[2], text) : Activation.NONE,
                            args.length > 3 ? Padding.valueOf(args[3].toUpperCase(Locale.ROOT)) : Padding.VALID);
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
                default ->
                    throw new IllegalArgumentException(
                            "unknown layer '" + text + "'; expected dense, conv2d, maxpool, flatten or dropout");
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

    private static void need(String text, String[] args, int min, int max) {
        if (args.length < min || args.length > max) {
            throw new IllegalArgumentException("layer '" + text + "': expected "
                    + (min == max ? "" + min : min + " to " + max) + " arguments, found " + args.length);
        }
    }
}
