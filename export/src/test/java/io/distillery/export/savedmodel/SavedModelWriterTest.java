package io.distillery.export.savedmodel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Predictor;
import io.distillery.core.model.Weights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

class SavedModelWriterTest {

    @Test
    void servingDefaultSignatureReproducesTheModel(@TempDir Path tmp) throws Exception {
        ModelSpec spec = ModelSpec.of(
                new int[] {6, 6, 1},
                4,
                List.of("conv2d(3,3,relu)", "maxpool(2)", "flatten", "dense(8,relu)", "dropout(0.5)", "dense(4)"));
        Weights weights = Initializer.glorotUniform(spec, 11);
        Path dir = tmp.resolve("1");
        SavedModelWriter.write(spec, weights, dir);
        assertTrue(Files.exists(dir.resolve("saved_model.pb")));
        assertTrue(Files.exists(dir.resolve("variables/variables.index")));

        int rows = 5;
        float[] x = new float[rows * 36];
        Random r = new Random(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        float[] expected;
        try (Predictor p = new Predictor(spec, weights)) {
            expected = p.probabilities(x, rows);
        }
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve");
                TFloat32 input = TFloat32.tensorOf(Shape.of(rows, 36), DataBuffers.of(x, true, false));
                var result =
                        bundle.function(SavedModelWriter.SIGNATURE).call(Map.of(SavedModelWriter.INPUT_KEY, input))) {
            TFloat32 probs = (TFloat32) result.get(SavedModelWriter.OUTPUT_KEY).orElseThrow();
            float[] actual = new float[rows * 4];
            probs.copyTo(DataBuffers.of(actual, false, false));
            for (int i = 0; i < actual.length; i++) {
                assertEquals(expected[i], actual[i], 1e-6);
            }
        }
    }

    @Test
    void refusesANonEmptyTarget(@TempDir Path tmp) throws Exception {
        ModelSpec spec = ModelSpec.of(new int[] {2}, 2, List.of("dense(2)"));
        Files.writeString(tmp.resolve("junk"), "x");
        var e = assertThrows(
                java.io.IOException.class, () -> SavedModelWriter.write(spec, Initializer.glorotUniform(spec, 1), tmp));
        assertTrue(e.getMessage().contains("not empty"));
    }
}
