package io.distillery.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A {@link ModelSpec} built into a TensorFlow graph with stable names.
 *
 * <ul>
 *   <li>{@value #INPUT}: float placeholder {@code [batch, inputSize]}, features flat;
 *   <li>{@code <layer>/kernel}, {@code <layer>/bias}: variables, Keras layouts (dense {@code [in,
 *       out]}, conv2d HWIO, dwconv2d {@code [k, k, in, multiplier]});
 *   <li>{@value #LOGITS} and {@value #PROBABILITIES} (softmax) outputs;
 *   <li>{@code load/<layer>/kernel}: placeholders with assign ops, how weights get in.
 * </ul>
 *
 * Variables have no initializer of their own: initial values come from {@link Initializer} in Java,
 * so a seed gives bit-identical starts on every worker and a checkpoint restores through the same path.
 * An {@link Mode#INFERENCE} graph leaves dropout out entirely; exporters and serving use it.
 */
public final class ModelGraph {
    public static final String INPUT = "input";
    public static final String LOGITS = "logits";
    public static final String PROBABILITIES = "probabilities";
    /** Float scalar, 1 while training (dropout on), 0 by default. */
    public static final String TRAINING = "training";
    /**
     * Int64 [2]: the seed of dropout's stateless random ops, fed by the trainer as (seed, step). Dropout
     * is then a function of the seed and the step alone, with no random state outside the checkpoint:
     * a resumed stage draws exactly the masks an uninterrupted one would.
     */
    public static final String DROPOUT_SEED = "dropout_seed";

    /** Whether dropout is in the graph. */
    public enum Mode {
        TRAIN,
        INFERENCE
    }

    private final ModelSpec spec;
    private final Ops tf;
    private final Placeholder<TFloat32> input;
    private final Operand<TFloat32> training;
    private final Operand<TInt64> dropoutSeed;
    private final Operand<TFloat32> logits;
    private final Operand<TFloat32> probabilities;
    private final LinkedHashMap<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
    private final List<Statistic> statistics = new ArrayList<>();
    private final LinkedHashMap<String, Placeholder<TFloat32>> loadInputs = new LinkedHashMap<>();
    private final LinkedHashMap<String, Op> loadOps = new LinkedHashMap<>();

    private ModelGraph(Graph graph, ModelSpec spec, Mode mode, long seed) {
        this.spec = spec;
        this.tf = Ops.create(graph);
        this.input = tf.withName(INPUT).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, spec.inputSize())));
        this.training = mode == Mode.TRAIN
                ? tf.withName(TRAINING).placeholderWithDefault(tf.constant(0f), Shape.scalar())
                : null;
        this.dropoutSeed = mode == Mode.TRAIN
                ? tf.withName(DROPOUT_SEED).placeholderWithDefault(tf.constant(new long[] {seed, 0}), Shape.of(2))
                : null;

        int[] inputShape = spec.inputShape();
        Operand<TFloat32> x = input;
        if (inputShape.length == 3) {
            x = tf.reshape(x, tf.constant(new int[] {-1, inputShape[0], inputShape[1], inputShape[2]}));
        }
        int[] shape = inputShape;
        List<int[]> shapes = spec.outputShapes();
        List<ModelSpec.NamedLayer> layers = spec.namedLayers();
        List<Operand<TFloat32>> outputs = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            ModelSpec.NamedLayer named = layers.get(i);
            Ops scope = tf.withSubScope(named.name());
            LayerSpec layer = named.spec();
            if (layer instanceof LayerSpec.Dense d) {
                Variable<TFloat32> kernel = variable(named.name(), "kernel", Shape.of(shape[0], d.units()));
                Variable<TFloat32> bias = variable(named.name(), "bias", Shape.of(d.units()));
                x = scope.math.add(scope.linalg.matMul(x, kernel), bias);
                x = activate(scope, x, d.activation());
            } else if (layer instanceof LayerSpec.Conv2D c) {
                Variable<TFloat32> kernel = variable(
                        named.name(), "kernel", Shape.of(c.kernelSize(), c.kernelSize(), shape[2], c.filters()));
                Variable<TFloat32> bias = variable(named.name(), "bias", Shape.of(c.filters()));
                x = scope.nn.biasAdd(
                        scope.nn.conv2d(
                                x, kernel, strides(c.stride()), c.padding().name()),
                        bias);
                x = activate(scope, x, c.activation());
            } else if (layer instanceof LayerSpec.DepthwiseConv2D d) {
                Variable<TFloat32> kernel = variable(
                        named.name(), "kernel", Shape.of(d.kernelSize(), d.kernelSize(), shape[2], d.multiplier()));
                Variable<TFloat32> bias = variable(named.name(), "bias", Shape.of((long) shape[2] * d.multiplier()));
                x = scope.nn.biasAdd(
                        scope.nn.depthwiseConv2dNative(
                                x, kernel, strides(d.stride()), d.padding().name()),
                        bias);
                x = activate(scope, x, d.activation());
            } else if (layer instanceof LayerSpec.AvgPool2D p) {
                long k = p.poolSize();
                x = scope.nn.avgPool(x, List.of(1L, k, k, 1L), List.of(1L, k, k, 1L), "VALID");
            } else if (layer instanceof LayerSpec.BatchNorm b) {
                x = batchNorm(scope, named.name(), x, shape, b, mode);
            } else if (layer instanceof LayerSpec.GlobalAvgPool) {
                x = scope.math.mean(x, scope.constant(new int[] {1, 2}));
            } else if (layer instanceof LayerSpec.MaxPool2D p) {
                int k = p.poolSize();
                x = scope.nn.maxPool(
                        x, scope.constant(new int[] {1, k, k, 1}), scope.constant(new int[] {1, k, k, 1}), "VALID");
            } else if (layer instanceof LayerSpec.Add a) {
                x = activate(
                        scope,
                        scope.math.add(x, shortcut(scope, named.name(), spec.shortcut(i), outputs, shape)),
                        a.activation());
            } else if (layer instanceof LayerSpec.Flatten) {
                x = scope.reshape(x, scope.constant(new int[] {-1, shapes.get(i)[0]}));
            } else if (layer instanceof LayerSpec.Dropout dr && mode == Mode.TRAIN && dr.rate() > 0) {
                // Inverted dropout; scale = 1 + training * (keep/(1-rate) - 1) is 1 outside training.
                // Each dropout layer draws its own mask: the layer's index shifts the seed.
                Operand<TFloat32> uniform = scope.random.statelessRandomUniform(
                        scope.shape(x),
                        scope.math.add(dropoutSeed, scope.constant(new long[] {i + 1L, 0})),
                        TFloat32.class);
                Operand<TFloat32> keep = scope.math.div(
                        scope.dtypes.cast(
                                scope.math.greaterEqual(uniform, scope.constant((float) dr.rate())), TFloat32.class),
                        scope.constant((float) (1 - dr.rate())));
                Operand<TFloat32> scale = scope.math.add(
                        scope.constant(1f), scope.math.mul(training, scope.math.sub(keep, scope.constant(1f))));
                x = scope.math.mul(x, scale);
            }
            shape = shapes.get(i);
            outputs.add(x);
        }
        this.logits = tf.withName(LOGITS).identity(x);
        this.probabilities = tf.withName(PROBABILITIES).nn.softmax(logits);
    }

    /** Builds the model into {@code graph}; {@code seed} is dropout's default seed (see {@link #DROPOUT_SEED}). */
    public static ModelGraph build(Graph graph, ModelSpec spec, Mode mode, long seed) {
        return new ModelGraph(graph, spec, mode, seed);
    }

    private Variable<TFloat32> variable(String layer, String name, Shape shape) {
        Variable<TFloat32> v = tf.withSubScope(layer).withName(name).variable(shape, TFloat32.class);
        String full = layer + "/" + name;
        Ops load = tf.withSubScope("load").withSubScope(layer);
        Placeholder<TFloat32> value = load.withName(name).placeholder(TFloat32.class, Placeholder.shape(shape));
        loadInputs.put(full, value);
        loadOps.put(full, load.withName(name + "_assign").assign(v, value));
        variables.put(full, v);
        return v;
    }

    /** The residual block's input, projected to {@code shape} (1×1, with a stride) where the block changed it. */
    private Operand<TFloat32> shortcut(
            Ops scope, String name, ModelSpec.Shortcut s, List<Operand<TFloat32>> outputs, int[] shape) {
        Operand<TFloat32> in = outputs.get(s.from());
        if (!s.projected()) {
            return in;
        }
        int from = s.shape()[s.shape().length - 1];
        int to = shape[shape.length - 1];
        boolean image = s.shape().length == 3;
        Variable<TFloat32> kernel = variable(name, "kernel", image ? Shape.of(1, 1, from, to) : Shape.of(from, to));
        Variable<TFloat32> bias = variable(name, "bias", Shape.of(to));
        return image
                ? scope.nn.biasAdd(scope.nn.conv2d(in, kernel, strides(s.stride()), "SAME"), bias)
                : scope.math.add(scope.linalg.matMul(in, kernel), bias);
    }

    /**
     * {@code gamma · (x − mean) / √(variance + ε) + beta}, then the activation. A training graph blends
     * the batch's statistics and the moving ones with the training flag (1 while training, 0 when the
     * trainer evaluates), and leaves the moving averages' update to the trainer ({@link #statistics()}).
     */
    private Operand<TFloat32> batchNorm(
            Ops scope, String name, Operand<TFloat32> x, int[] shape, LayerSpec.BatchNorm b, Mode mode) {
        Shape channels = Shape.of(shape[shape.length - 1]);
        Variable<TFloat32> gamma = variable(name, "gamma", channels);
        Variable<TFloat32> beta = variable(name, "beta", channels);
        Variable<TFloat32> movingMean = variable(name, "moving_mean", channels);
        Variable<TFloat32> movingVariance = variable(name, "moving_variance", channels);
        Operand<TFloat32> mean = movingMean;
        Operand<TFloat32> variance = movingVariance;
        if (mode == Mode.TRAIN) {
            Operand<TInt32> axes = scope.constant(shape.length == 3 ? new int[] {0, 1, 2} : new int[] {0});
            Operand<TFloat32> batchMean = scope.math.mean(x, axes);
            Operand<TFloat32> batchVariance = scope.math.mean(scope.math.squaredDifference(x, batchMean), axes);
            statistics.add(new Statistic(movingMean, batchMean, b.momentum()));
            statistics.add(new Statistic(movingVariance, batchVariance, b.momentum()));
            Operand<TFloat32> moving = scope.math.sub(scope.constant(1f), training);
            mean = scope.math.add(scope.math.mul(training, batchMean), scope.math.mul(moving, movingMean));
            variance = scope.math.add(scope.math.mul(training, batchVariance), scope.math.mul(moving, movingVariance));
        }
        Operand<TFloat32> scale =
                scope.math.mul(gamma, scope.math.rsqrt(scope.math.add(variance, scope.constant((float) b.epsilon()))));
        Operand<TFloat32> shift = scope.math.sub(beta, scope.math.mul(mean, scale));
        return activate(scope, scope.math.add(scope.math.mul(x, scale), shift), b.activation());
    }

    /**
     * A moving average the trainer updates after each step: {@code moving ← momentum · moving + (1 −
     * momentum) · batch}. Data-parallel trainers average {@code batch} over the workers first, so that
     * every worker keeps the same moving averages.
     */
    public record Statistic(Variable<TFloat32> moving, Operand<TFloat32> batch, double momentum) {}

    /** The batch-norm statistics of a training graph (empty for inference, or without batch norm). */
    public List<Statistic> statistics() {
        return Collections.unmodifiableList(statistics);
    }

    /** The variables the optimizer trains: all but batch norm's moving averages. */
    public Map<String, Variable<TFloat32>> trainableVariables() {
        Map<String, Variable<TFloat32>> out = new LinkedHashMap<>(variables);
        out.keySet().removeIf(n -> n.endsWith("/moving_mean") || n.endsWith("/moving_variance"));
        return out;
    }

    private static List<Long> strides(int stride) {
        return List.of(1L, (long) stride, (long) stride, 1L);
    }

    private static Operand<TFloat32> activate(Ops scope, Operand<TFloat32> x, LayerSpec.Activation activation) {
        return switch (activation) {
            case RELU -> scope.nn.relu(x);
            case RELU6 -> scope.nn.relu6(x);
            case NONE -> x;
        };
    }

    public ModelSpec spec() {
        return spec;
    }

    public Ops ops() {
        return tf;
    }

    public Placeholder<TFloat32> input() {
        return input;
    }

    /** The training flag (feed 1f while training); null in an inference graph. */
    public Operand<TFloat32> training() {
        return training;
    }

    /** The dropout seed to feed (seed, step); null in an inference graph. */
    public Operand<TInt64> dropoutSeed() {
        return dropoutSeed;
    }

    public Operand<TFloat32> logits() {
        return logits;
    }

    public Operand<TFloat32> probabilities() {
        return probabilities;
    }

    /** Trainable variables by stable name, in layer order. */
    public Map<String, Variable<TFloat32>> variables() {
        return Collections.unmodifiableMap(variables);
    }

    /** Assigns every variable of the model from {@code weights} (names and shapes must match). */
    public void load(Session session, Weights weights) {
        List<TFloat32> tensors = new ArrayList<>();
        try {
            Session.Runner runner = session.runner();
            for (Map.Entry<String, Placeholder<TFloat32>> e : loadInputs.entrySet()) {
                NamedArray array = weights.get(e.getKey());
                long[] expected = variables.get(e.getKey()).shape().asArray();
                if (!java.util.Arrays.equals(expected, array.shape())) {
                    throw new IllegalArgumentException(
                            e.getKey() + ": expected shape " + java.util.Arrays.toString(expected) + ", found "
                                    + java.util.Arrays.toString(array.shape()));
                }
                TFloat32 t = TFloat32.tensorOf(Shape.of(array.shape()), DataBuffers.of(array.values(), true, false));
                tensors.add(t);
                runner.feed(e.getValue(), t).addTarget(loadOps.get(e.getKey()));
            }
            runner.run();
        } finally {
            tensors.forEach(TFloat32::close);
        }
    }

    /** Reads every variable's current value. */
    public Weights read(Session session) {
        Session.Runner runner = session.runner();
        List<String> names = new ArrayList<>(variables.keySet());
        names.forEach(n -> runner.fetch(variables.get(n)));
        try (var result = runner.run()) {
            List<NamedArray> arrays = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                TFloat32 t = (TFloat32) result.get(i);
                float[] values = new float[(int) t.size()];
                t.copyTo(DataBuffers.of(values, false, false));
                arrays.add(new NamedArray(names.get(i), t.shape().asArray(), values));
            }
            return new Weights(arrays);
        }
    }
}
