package io.distillery.export.savedmodel;

import io.distillery.core.model.ModelGraph;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;

/**
 * Writes a TensorFlow SavedModel that TensorFlow Serving loads as is: tag {@code serve}, one
 * {@value #SIGNATURE} signature (method {@code tensorflow/serving/predict}) taking the float input
 * {@value #INPUT_KEY} of shape {@code [-1, inputSize]} and returning softmax
 * {@value #OUTPUT_KEY}. The graph is the inference graph (no dropout), weights in {@code variables/}.
 */
public final class SavedModelWriter {
    public static final String SIGNATURE = "serving_default";
    public static final String INPUT_KEY = "input";
    public static final String OUTPUT_KEY = "probabilities";

    private SavedModelWriter() {}

    /**
     * Writes {@code saved_model.pb} and {@code variables/} into {@code dir}, which must not exist or be
     * empty.
     */
    public static void write(ModelSpec spec, Weights weights, Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException("SavedModel target " + dir + " is not empty");
                }
            }
        }
        Files.createDirectories(dir);
        try (Graph graph = new Graph()) {
            ModelGraph model = ModelGraph.build(graph, spec, ModelGraph.Mode.INFERENCE, 0);
            try (Session session = new Session(graph)) {
                model.load(session, weights);
                Signature signature = Signature.builder()
                        .key(SIGNATURE)
                        .methodName("tensorflow/serving/predict")
                        .input(INPUT_KEY, model.input())
                        .output(OUTPUT_KEY, model.probabilities())
                        .build();
                SavedModelBundle.exporter(dir.toString())
                        .withSession(session)
                        .withSignature(signature)
                        .export();
            }
        }
    }
}
