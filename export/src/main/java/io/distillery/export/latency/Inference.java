package io.distillery.export.latency;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Predictor;
import io.distillery.core.model.Weights;
import io.distillery.export.tflite.TfLiteRunner;
import java.util.function.ObjIntConsumer;
import org.tensorflow.proto.ConfigProto;

/** One model loaded in one runtime, ready to answer batches of flat features. Close it. */
public interface Inference extends AutoCloseable {

    String model();

    String runtime();

    int threads();

    /** Answers {@code rows} rows of flat features; the result is discarded. */
    void run(float[] features, int rows);

    @Override
    void close();

    /**
     * The model's inference graph in TF Java: the graph {@code SavedModelWriter} saves, so what TF
     * Serving runs of the exported SavedModel.
     */
    static Inference tfJava(String model, ModelSpec spec, Weights weights, int threads) {
        // A negative inter-op count runs every op in the caller's thread: no hand-off to a pool and back
        // per op, which for a small model at batch 32 was half of a call's time.
        ConfigProto session = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(threads)
                .setInterOpParallelismThreads(-1)
                .build();
        Predictor predictor = new Predictor(spec, weights, session);
        return new Loaded(model, "tf-java", threads, predictor::probabilities, predictor::close);
    }

    /** A {@code .tflite} file in the TFLite interpreter, with its XNNPACK delegate (float models). */
    static Inference tflite(String model, String runtime, byte[] flatbuffer, int threads) {
        TfLiteRunner runner = new TfLiteRunner(flatbuffer, threads, true);
        return new Loaded(model, runtime, threads, runner::invoke, runner::close);
    }

    /** A runtime's call and its close, under a model's and a runtime's names. */
    record Loaded(String model, String runtime, int threads, ObjIntConsumer<float[]> call, Runnable closer)
            implements Inference {
        @Override
        public void run(float[] features, int rows) {
            call.accept(features, rows);
        }

        @Override
        public void close() {
            closer.run();
        }
    }
}
