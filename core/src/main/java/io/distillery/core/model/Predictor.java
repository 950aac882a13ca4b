package io.distillery.core.model;

import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Runs a model forward in TF Java: the reference every exported format is compared with, and how the
 * pipeline evaluates a model and computes a teacher's soft targets. Owns its graph and session.
 *
 * <p>One thread at a time: a call reuses the input tensor and the session's runner of the call before
 * it when the number of rows is the same, so that a small model's call costs its arithmetic, not the
 * allocation of a tensor and the lookup of its feeds by name.
 */
public final class Predictor implements AutoCloseable {
    private final ModelSpec spec;
    private final Graph graph;
    private final Session session;
    private final ModelGraph model;
    private final Output<TFloat32> input;
    private final Output<TFloat32> logits;
    private final Output<TFloat32> probabilities;
    /** The input of the last call, kept for the next one of as many rows; closed with this predictor. */
    private TFloat32 kept;

    private Session.Runner logitsRunner;
    private Session.Runner probabilitiesRunner;
    private boolean closed;

    public Predictor(ModelSpec spec, Weights weights) {
        this(spec, weights, null);
    }

    /** @param session TensorFlow's session settings (a Spark task's cores and GPUs), or null for its defaults */
    public Predictor(ModelSpec spec, Weights weights, ConfigProto session) {
        this.spec = spec;
        this.graph = new Graph();
        Session opened = null;
        try {
            this.model = ModelGraph.build(graph, spec, ModelGraph.Mode.INFERENCE, 0);
            opened = session == null ? new Session(graph) : new Session(graph, session);
            model.load(opened, weights);
            this.input = graph.operation(ModelGraph.INPUT).output(0);
            this.logits = graph.operation(ModelGraph.LOGITS).output(0);
            this.probabilities = graph.operation(ModelGraph.PROBABILITIES).output(0);
            this.session = opened;
        } catch (RuntimeException e) {
            // The session first: Graph.close() waits for every session on the graph to close, so closing
            // only the graph here would hang the caller instead of failing it.
            if (opened != null) {
                opened.close();
            }
            graph.close();
            throw e;
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    /** Softmax probabilities, {@code rows × numClasses}, row-major. */
    public float[] probabilities(float[] features, int rows) {
        return run(features, rows, true);
    }

    /** Logits, {@code rows × numClasses}, row-major. */
    public float[] logits(float[] features, int rows) {
        return run(features, rows, false);
    }

    private float[] run(float[] features, int rows, boolean softmax) {
        if (closed) {
            throw new IllegalStateException("Predictor is closed; create a new one to run the model");
        }
        int width = spec.inputSize();
        if (features.length != (long) rows * width) {
            throw new IllegalArgumentException("expected " + rows + " rows of " + width + " features ("
                    + (long) rows * width + " values), found " + features.length);
        }
        if (kept == null || kept.shape().get(0) != rows) {
            release();
            kept = TFloat32.tensorOf(Shape.of(rows, width));
        }
        kept.asRawTensor().data().asFloats().write(features);
        Session.Runner runner = softmax ? probabilitiesRunner : logitsRunner;
        if (runner == null) {
            runner = session.runner().feed(input, kept).fetch(softmax ? probabilities : logits);
            if (softmax) {
                probabilitiesRunner = runner;
            } else {
                logitsRunner = runner;
            }
        }
        float[] out = new float[rows * spec.numClasses()];
        try (var result = runner.run()) {
            ((TFloat32) result.get(0)).copyTo(DataBuffers.of(out, false, false));
        }
        return out;
    }

    /** Drops the kept input and the runners that feed it. */
    private void release() {
        logitsRunner = null;
        probabilitiesRunner = null;
        if (kept != null) {
            kept.close();
            kept = null;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            release();
            session.close();
            graph.close();
        }
    }
}
