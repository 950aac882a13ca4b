package io.distillery.export.tflite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Predictor;
import io.distillery.core.model.Weights;
import io.distillery.export.CheckedWeights;
import io.distillery.export.TestModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Java float pass that int8 calibration relies on computes what TF Java computes. */
class FloatForwardTest {

    @ParameterizedTest
    @ValueSource(strings = {"dense", "conv", "mobile", "batchnorm", "residual"})
    void logitsMatchTensorFlow(String which) {
        ModelSpec spec = switch (which) {
            case "dense" -> TestModels.DENSE;
            case "conv" -> TestModels.CONV;
            case "batchnorm" -> TestModels.BATCH_NORM;
            case "residual" -> TestModels.RESIDUAL;
            default -> TestModels.MOBILE;
        };
        Weights weights = TestModels.randomWeights(spec, 21);
        int rows = 5;
        float[] x = TestModels.gaussianRows(rows, spec.inputSize(), 22);
        float[] expected;
        try (Predictor predictor = new Predictor(spec, weights)) {
            expected = predictor.logits(x, rows);
        }
        FloatForward forward = new FloatForward(spec, CheckedWeights.of(spec, weights, "test"));
        int last = spec.namedLayers().size() - 1;
        float[] actual = new float[rows * spec.numClasses()];
        for (int r = 0; r < rows; r++) {
            float[] row = java.util.Arrays.copyOfRange(x, r * spec.inputSize(), (r + 1) * spec.inputSize());
            float[][] outputs = forward.layerOutputs(row);
            assertEquals(spec.numClasses(), outputs[last].length);
            System.arraycopy(outputs[last], 0, actual, r * spec.numClasses(), spec.numClasses());
        }
        double diff = TestModels.maxAbsDiff(expected, actual);
        assertTrue(diff <= 1e-4, "max |Java - TF| logits = " + diff);
    }
}
