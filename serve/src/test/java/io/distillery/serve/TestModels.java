package io.distillery.serve;

import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Predictor;
import io.distillery.core.model.Weights;
import io.distillery.export.savedmodel.SavedModelWriter;
import io.distillery.publish.ModelRepository;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;

/**
 * Small models for tests: a 784-16-10 classifier whose weights are fixed by a seed, exported as a
 * SavedModel and published as the next version of a repository; TF Java's {@link Predictor} on the
 * same weights gives the reference probabilities.
 */
final class TestModels {
    static final int FEATURES = 784;
    static final int CLASSES = 10;
    static final ModelSpec SPEC = ModelSpec.of(new int[] {FEATURES}, CLASSES, List.of("dense(16,relu)", "dense(10)"));

    private TestModels() {}

    static Weights weights(long seed) {
        return Initializer.glorotUniform(SPEC, seed);
    }

    /** Exports weights of {@code seed} and publishes them into {@code modelUri}; returns the version. */
    static long publish(URI modelUri, long seed, Path scratch) throws IOException {
        return publish(modelUri, SPEC, weights(seed), "seed-" + seed, scratch);
    }

    static long publish(URI modelUri, ModelSpec spec, Weights weights, String runId, Path scratch) throws IOException {
        Path export = scratch.resolve("export-" + runId + "-" + System.nanoTime());
        SavedModelWriter.write(spec, weights, export);
        try (ModelRepository repo = ModelRepository.open(modelUri, new Configuration())) {
            return repo.publish(export, runId, Map.of("metrics", Map.of("note", "test model")))
                    .version();
        }
    }

    /** TF Java's probabilities for {@code rows} rows of {@code features}. */
    static float[] reference(long seed, float[] features, int rows) {
        try (Predictor predictor = new Predictor(SPEC, weights(seed))) {
            return predictor.probabilities(features, rows);
        }
    }

    /** {@code rows × 784} values in [0, 1), fixed by {@code seed}. */
    static float[] features(int rows, long seed) {
        Random random = new Random(seed);
        float[] x = new float[rows * FEATURES];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat();
        }
        return x;
    }

    /** {@code {"instances": [[...], ...]}} exactly as a TF Serving REST client writes it. */
    static String instancesJson(float[] features, int rows) {
        StringBuilder json = new StringBuilder(rows * FEATURES * 12).append("{\"instances\": [");
        for (int r = 0; r < rows; r++) {
            json.append(r == 0 ? "[" : ", [");
            for (int i = 0; i < FEATURES; i++) {
                if (i > 0) {
                    json.append(", ");
                }
                json.append(features[r * FEATURES + i]);
            }
            json.append(']');
        }
        return json.append("]}").toString();
    }

    static URI modelUri(Path base, String name) {
        return base.resolve(name).toUri();
    }
}
