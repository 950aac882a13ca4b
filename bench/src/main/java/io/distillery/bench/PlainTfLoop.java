package io.distillery.bench;

import io.distillery.core.model.ModelGraph;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;

/**
 * The baseline: what a user would write with TF Java alone. Same model graph, same Adam, batches
 * gathered from Java arrays into a fresh tensor per step, one session run per step; no Arrow, no
 * shard, no listeners.
 */
final class PlainTfLoop implements AutoCloseable {
    private final Graph graph = new Graph();
    private final Session session;
    private final ModelGraph model;
    private final Placeholder<TFloat32> targets;
    private final Placeholder<TFloat32> b1Power;
    private final Placeholder<TFloat32> b2Power;
    private final Operand<TFloat32> loss;
    private final Op train;
    private final int classes;
    private long step;

    PlainTfLoop(ModelSpec spec, Weights initial, double learningRate) {
        model = ModelGraph.build(graph, spec, ModelGraph.Mode.TRAIN, 1);
        Ops tf = model.ops();
        classes = spec.numClasses();
        targets = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, classes)));
        loss = tf.math.mean(
                tf.nn.softmaxCrossEntropyWithLogits(model.logits(), targets).loss(), tf.constant(0));
        List<Variable<TFloat32>> vars = new ArrayList<>(model.variables().values());
        var grads = tf.gradients(loss, vars);
        b1Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        b2Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        List<Op> applies = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            Variable<TFloat32> v = vars.get(i);
            Variable<TFloat32> m = tf.variable(tf.zerosLike(v));
            Variable<TFloat32> s = tf.variable(tf.zerosLike(v));
            @SuppressWarnings("unchecked")
            Operand<TFloat32> g = (Operand<TFloat32>) (Operand<?>) grads.dy(i);
            applies.add(tf.train.applyAdam(
                    v,
                    m,
                    s,
                    b1Power,
                    b2Power,
                    tf.constant((float) learningRate),
                    tf.constant(0.9f),
                    tf.constant(0.999f),
                    tf.constant(1e-7f),
                    g));
        }
        train = tf.withControlDependencies(applies).noOp();
        session = new Session(graph);
        model.load(session, initial);
    }

    /** One step on rows {@code idx} of {@code x}/{@code y}; returns the loss. */
    float step(float[] x, int[] y, int width, int[] idx) {
        return step(x, y, width, idx, null, null);
    }

    /**
     * {@code steps} steps traced by TensorFlow ({@code FULL_TRACE}): per step, the summed run time of
     * the ops of each type, as executed (after Grappler's and oneDNN's rewrites, e.g. {@code
     * _MklNativeFusedConv2D}), in ms. Ops on the two pools overlap, so the sum may exceed the wall time,
     * which is under {@code "(wall)"}. Tracing itself slows a step a little.
     */
    Map<String, Double> profile(float[] x, int[] y, int width, SplittableRandom random, int batch, int steps) {
        RunOptions trace = RunOptions.newBuilder()
                .setTraceLevel(RunOptions.TraceLevel.FULL_TRACE)
                .build();
        Map<String, Double> out = new TreeMap<>();
        long wall = 0;
        for (int s = 0; s < steps; s++) {
            long t0 = System.nanoTime();
            step(x, y, width, batch(random, y.length, batch), trace, out);
            wall += System.nanoTime() - t0;
        }
        out.replaceAll((type, micros) -> micros / 1000 / steps);
        out.put("(wall)", wall / 1e6 / steps);
        return out;
    }

    private float step(float[] x, int[] y, int width, int[] idx, RunOptions options, Map<String, Double> micros) {
        int n = idx.length;
        float[] bx = new float[n * width];
        float[] by = new float[n * classes];
        for (int i = 0; i < n; i++) {
            System.arraycopy(x, idx[i] * width, bx, i * width, width);
            by[i * classes + y[idx[i]]] = 1f;
        }
        step++;
        try (TFloat32 tx = TFloat32.tensorOf(Shape.of(n, width), DataBuffers.of(bx, true, false));
                TFloat32 ty = TFloat32.tensorOf(Shape.of(n, classes), DataBuffers.of(by, true, false));
                TFloat32 p1 = TFloat32.scalarOf((float) Math.pow(0.9, step));
                TFloat32 p2 = TFloat32.scalarOf((float) Math.pow(0.999, step));
                TFloat32 on = TFloat32.scalarOf(1f)) {
            Session.Runner runner = session.runner()
                    .feed(model.input(), tx)
                    .feed(targets, ty)
                    .feed(b1Power, p1)
                    .feed(b2Power, p2)
                    .feed(model.training(), on)
                    .fetch(loss)
                    .addTarget(train);
            if (options != null) {
                runner.setOptions(options);
            }
            try (Result r = options != null ? runner.runAndFetchMetadata() : runner.run()) {
                if (micros != null) {
                    RunMetadata metadata = r.getMetadata().orElseThrow();
                    for (var device : metadata.getStepStats().getDevStatsList()) {
                        for (var node : device.getNodeStatsList()) {
                            // The label reads "[allocator...] name = Type(inputs)".
                            String label = node.getTimelineLabel();
                            int eq = label.indexOf(" = ");
                            int paren = label.indexOf('(', Math.max(eq, 0));
                            String type = eq < 0 || paren < 0 ? node.getNodeName() : label.substring(eq + 3, paren);
                            micros.merge(type, (double) node.getOpEndRelMicros(), Double::sum);
                        }
                    }
                }
                return ((TFloat32) r.get(0)).getFloat();
            }
        }
    }

    static int[] batch(SplittableRandom random, int rows, int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = random.nextInt(rows);
        }
        return idx;
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
