package io.distillery.core.model;

import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Runs a model forward in TF Java: the reference every exported format is compared with, and how the
 * pipeline evaluates a model and computes a teacher's soft targets. Owns its graph and session.
 */
public final class Predictor implements AutoCloseable {
    private final ModelSpec spec;
    private final Graph graph;
    private final Session session;
    private final ModelGraph model;
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
        return run(features, rows, ModelGraph.PROBABILITIES);
    }

    /** Logits, {@code rows × numClasses}, row-major. */
    public float[] logits(float[] features, int rows) {
        return run(features, rows, ModelGraph.LOGITS);
    }

    private float[] run(float[] features, int rows, String output) {
        if (closed) {
            throw new IllegalStateException("Predictor is closed; create a new one to run the model");
        }
        int width = spec.inputSize();
        if (features.length != (long) rows * width) {
            throw new IllegalArgumentException("expected " + rows + " rows of " + width + " features ("
                    + (long) rows * width + " values), found " + features.length);
        }
        float[] out = new float[rows * spec.numClasses()];
        try (TFloat32 x = TFloat32.tensorOf(Shape.of(rows, width), DataBuffers.of(features, true, false));
                var result =
                        session.runner().feed(ModelGraph.INPUT, x).fetch(output).run()) {
            ((TFloat32) result.get(0)).copyTo(DataBuffers.of(out, false, false));
        }
        return out;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            session.close();
            graph.close();
        }
    }
}
