package io.distillery.export.tflite;

import static io.distillery.export.TestModels.gaussianRows;
import static io.distillery.export.TestModels.maxAbsDiff;
import static io.distillery.export.TestModels.reference;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.export.CompressedModels;
import io.distillery.export.TestModels;
import io.distillery.prune.StructuredPruning;
import org.junit.jupiter.api.Test;

/**
 * Structured-pruned (shrunk) and 2:4 models through TFLite: float within 1e-5 of TF Java in the
 * interpreter, int8 top-1 agreement ≥ 99 % with the float model.
 */
class CompressedTfLiteTest {

    @Test
    void structuredPrunedModelMatchesTensorFlow() {
        ModelSpec spec = CompressedModels.CNN;
        StructuredPruning.Shrunk shrunk = CompressedModels.structured(spec, TestModels.randomWeights(spec, 41));
        assertFloatMatches(shrunk.spec(), shrunk.weights(), 42);
        // int8: the MLP with half its hidden units removed (64 of 128), its head fitted on them.
        StructuredPruning.Shrunk mlp =
                CompressedModels.structured(TfLiteInt8Test.MLP, TestModels.randomWeights(TfLiteInt8Test.MLP, 8));
        StructuredModels.Data train = StructuredModels.data(mlp.spec(), 800, 1, 2);
        StructuredModels.Data test = StructuredModels.data(mlp.spec(), 300, 1, 3);
        TfLiteInt8Test.assertAgreement(mlp.spec(), StructuredModels.fit(mlp.spec(), train, mlp.weights()), train, test);
    }

    @Test
    void twoOfFourModelMatchesTensorFlow() {
        ModelSpec cnn = TfLiteInt8Test.CNN;
        assertFloatMatches(cnn, CompressedModels.twoOfFour(cnn, TestModels.randomWeights(cnn, 43)), 44);
        // int8: an MLP whose two kernels keep 2 of every 4 inputs, its head fitted on the 2:4 body first.
        ModelSpec mlp = TfLiteInt8Test.MLP;
        StructuredModels.Data train = StructuredModels.data(mlp, 800, 1, 2);
        StructuredModels.Data test = StructuredModels.data(mlp, 300, 1, 3);
        Weights body = CompressedModels.twoOfFour(mlp, TestModels.randomWeights(mlp, 4));
        Weights fitted = CompressedModels.twoOfFour(mlp, StructuredModels.fit(mlp, train, body));
        TfLiteInt8Test.assertAgreement(mlp, fitted, train, test);
    }

    private static void assertFloatMatches(ModelSpec spec, Weights weights, long seed) {
        int rows = 7;
        float[] x = gaussianRows(rows, spec.inputSize(), seed);
        float[] expected = reference(spec, weights, x, rows);
        try (TfLiteRunner runner = new TfLiteRunner(TfLiteWriter.float32(spec, weights))) {
            double diff = maxAbsDiff(expected, runner.probabilities(x, rows));
            assertTrue(diff <= 1e-5, "max |TFLite - TF| = " + diff + " for " + spec);
        }
    }
}
