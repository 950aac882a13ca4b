package io.distillery.export.latency;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Predictor;
import io.distillery.core.model.Weights;
import io.distillery.export.tflite.TfLiteRunner;
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
        ConfigProto session = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(threads)
                .setInterOpParallelismThreads(1)
                .build();
        Predictor predictor = new Predictor(spec, weights, session);
        return of(model, "tf-java", threads, predictor::probabilities, predictor::close);
    }

    /** A {@code .tflite} file in the TFLite interpreter, with its XNNPACK delegate (float models). */
    static Inference tflite(String model, String runtime, byte[] flatbuffer, int threads) {
        TfLiteRunner runner = new TfLiteRunner(flatbuffer, threads, true);
        return of(
                model,
                runtime,
                threads,
                (x, rows) -> {
                    runner.invoke(x, rows);
                    return null;
                },
                runner::close);
    }

    private static Inference of(
            String model,
            String runtime,
            int threads,
            java.util.function.BiFunction<float[], Integer, float[]> run,
            Runnable close) {
        return new Inference() {
            @Override
            public String model() {
                return model;
            }

            @Override
            public String runtime() {
                return runtime;
            }

            @Override
            public int threads() {
                return threads;
            }

            @Override
            public void run(float[] features, int rows) {
                run.apply(features, rows);
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}
