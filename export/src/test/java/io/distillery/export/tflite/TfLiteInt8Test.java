package io.distillery.export.tflite;

import static io.distillery.export.TestModels.argmax;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.export.TestModels;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.TensorT;
import org.tensorflow.lite.schema.TensorType;

/** The int8 flatbuffer, run by the TFLite 2.6 interpreter, against TF Java on structured models. */
class TfLiteInt8Test {
    /** An MLP with a real amount of weights (101,770), as the size check needs. */
    static final ModelSpec MLP =
            ModelSpec.of(new int[] {784}, 10, List.of("dense(128,relu)", "dropout(0.2)", "dense(10)"));

    /** Conv, max pooling, a SAME conv and flatten into the fitted head. */
    static final ModelSpec CNN = ModelSpec.of(
            new int[] {12, 12, 1},
            10,
            List.of("conv2d(8,3,relu)", "maxpool(2)", "conv2d(8,3,relu,same)", "flatten", "dense(10)"));

    @Test
    void mlpAgreesWithFloatModelAndIsAQuarterOfItsSize() {
        StructuredModels.Data train = StructuredModels.data(MLP, 800, 1, 2);
        StructuredModels.Data test = StructuredModels.data(MLP, 300, 1, 3);
        Weights weights = StructuredModels.fit(MLP, train, 4);
        QuantizedModel quantized = assertAgreement(MLP, weights, train, test);

        byte[] float32 = TfLiteWriter.float32(MLP, weights);
        double ratio = quantized.sizeBytes() / (double) float32.length;
        System.out.printf("int8 %d B / float32 %d B = %.3f%n", quantized.sizeBytes(), float32.length, ratio);
        assertTrue(ratio <= 0.30, "int8 " + quantized.sizeBytes() + " B / float " + float32.length + " B = " + ratio);
    }

    /** Strided, depthwise and pointwise convolutions, ReLU6, average and global average pooling. */
    static final ModelSpec MOBILE = ModelSpec.of(
            new int[] {12, 12, 1},
            10,
            List.of(
                    "conv2d(16,3,relu6,same,2)", // [6,6,16]
                    "separable(64,3,relu6,same)", // [6,6,64]
                    "avgpool(2)", // [3,3,64]
                    "dwconv2d(3,2,relu6,valid)", // [1,1,128]: spatial detail survives the pooling below
                    "globalavgpool", // [128]
                    "dense(10)"));

    @Test
    void mobileNetStyleModelAgreesWithFloatModel() {
        StructuredModels.Data train = StructuredModels.data(MOBILE, 2000, 5, 6);
        StructuredModels.Data test = StructuredModels.data(MOBILE, 300, 5, 7);
        // Pooled features are small and alike: the fitted head is right but timid until sharpened.
        Weights weights = StructuredModels.sharpen(MOBILE, StructuredModels.fit(MOBILE, train, 8), 2f);
        assertAgreement(MOBILE, weights, train, test);
    }

    /** Residual blocks: int8 ADD of inputs at different scales, and a quantized 1×1 projection. */
    static final ModelSpec RESIDUAL = ModelSpec.of(
            new int[] {12, 12, 1},
            10,
            List.of(
                    "conv2d(16,3,relu,same)",
                    "residual(conv2d(16,3,none,same),batchnorm(relu),conv2d(16,3,none,same),batchnorm,relu)",
                    "residual(conv2d(32,3,relu,same,2),conv2d(32,3,none,same),relu)", // [6,6,32], projected
                    "maxpool(2)",
                    "flatten",
                    "dense(10)"));

    @Test
    void residualModelAgreesWithFloatModel() {
        StructuredModels.Data train = StructuredModels.data(RESIDUAL, 1000, 5, 6);
        StructuredModels.Data test = StructuredModels.data(RESIDUAL, 300, 5, 7);
        Weights weights = StructuredModels.fit(RESIDUAL, train, 8);
        assertAgreement(RESIDUAL, weights, train, test);
    }

    @Test
    void cnnAgreesWithFloatModel() {
        StructuredModels.Data train = StructuredModels.data(CNN, 600, 5, 6);
        StructuredModels.Data test = StructuredModels.data(CNN, 300, 5, 7);
        Weights weights = StructuredModels.fit(CNN, train, 8);
        assertAgreement(CNN, weights, train, test);
    }

    static QuantizedModel assertAgreement(
            ModelSpec spec, Weights weights, StructuredModels.Data train, StructuredModels.Data test) {
        float[] expected = TestModels.reference(spec, weights, test.rows(), test.count());
        int[] floatTop = argmax(expected, spec.numClasses());
        // The float model is meaningful: accurate and confident, not near-uniform.
        int correct = 0;
        double confidence = 0;
        for (int r = 0; r < test.count(); r++) {
            correct += floatTop[r] == test.labels()[r] ? 1 : 0;
            confidence += expected[r * spec.numClasses() + floatTop[r]];
        }
        assertTrue(correct >= 0.8 * test.count(), "float accuracy " + correct + "/" + test.count());
        assertTrue(confidence / test.count() > 0.6, "mean top-1 probability " + confidence / test.count());

        // Calibrate on 200 training rows (the representative dataset), evaluate on held-out rows.
        int calibration = 200;
        QuantizedModel quantized = TfLiteWriter.int8(
                spec, weights, Arrays.copyOf(train.rows(), calibration * spec.inputSize()), calibration);
        float[] actual;
        try (TfLiteRunner runner = new TfLiteRunner(quantized.flatbuffer())) {
            assertTrue(runner.quantized());
            // What the writer exposes is what the interpreter reads from the file.
            assertArrayEquals(
                    new float[] {quantized.inputScale(), quantized.inputZeroPoint()}, runner.inputQuantization());
            assertArrayEquals(
                    new float[] {quantized.outputScale(), quantized.outputZeroPoint()}, runner.outputQuantization());
            actual = runner.probabilities(test.rows(), test.count());
        }
        // The few disagreements left are near-ties: top-2 probabilities closer than the int8 softmax's
        // 1/256 output step or the logits' quantization error.
        int[] intTop = argmax(actual, spec.numClasses());
        int agree = 0;
        for (int r = 0; r < test.count(); r++) {
            agree += floatTop[r] == intTop[r] ? 1 : 0;
        }
        assertTrue(agree >= 0.99 * test.count(), "top-1 agreement " + agree + "/" + test.count());
        double meanDiff = 0;
        for (int i = 0; i < actual.length; i++) {
            meanDiff += Math.abs(actual[i] - expected[i]);
        }
        meanDiff /= actual.length;
        assertTrue(meanDiff < 0.01, "mean |int8 - float| probability = " + meanDiff);
        System.out.printf(
                "%s: float accuracy %d/%d, int8 agreement %d/%d, mean |dp| %.5f%n",
                spec, correct, test.count(), agree, test.count(), meanDiff);
        return quantized;
    }

    @Test
    void quantizationFollowsTheInt8Conventions() {
        StructuredModels.Data train = StructuredModels.data(CNN, 100, 5, 6);
        Weights weights = StructuredModels.fit(CNN, train, 8);
        QuantizedModel quantized = TfLiteWriter.int8(CNN, weights, train.rows(), train.count());
        assertEquals(1f / 256, quantized.outputScale());
        assertEquals(-128, quantized.outputZeroPoint());
        // Inputs in [0, 1]: scale 1/255, zero point -128.
        assertEquals(1f / 255, quantized.inputScale(), 1e-9);
        assertEquals(-128, quantized.inputZeroPoint());

        ModelT model = ModelT.deserializeFromBinary(quantized.flatbuffer());
        TensorT[] tensors = model.getSubgraphs()[0].getTensors();
        TensorT input = tensor(tensors, "input");
        TensorT convKernel = tensor(tensors, "conv2d_1/kernel");
        TensorT convBias = tensor(tensors, "conv2d_1/bias");
        TensorT denseKernel = tensor(tensors, "dense_1/kernel");
        TensorT denseBias = tensor(tensors, "dense_1/bias");
        assertEquals(TensorType.INT8, input.getType());
        assertEquals(TensorType.INT8, tensor(tensors, "probabilities").getType());
        // conv: per output channel, symmetric, weights within [-127, 127] and each channel using its range.
        assertEquals(TensorType.INT8, convKernel.getType());
        assertEquals(8, convKernel.getQuantization().getScale().length);
        assertEquals(0, convKernel.getQuantization().getQuantizedDimension());
        assertTrue(Arrays.stream(convKernel.getQuantization().getZeroPoint()).allMatch(z -> z == 0));
        int[] q = model.getBuffers()[(int) convKernel.getBuffer()].getData();
        int perChannel = q.length / 8;
        for (int c = 0; c < 8; c++) {
            int maxAbs = 0;
            for (int i = c * perChannel; i < (c + 1) * perChannel; i++) {
                maxAbs = Math.max(maxAbs, Math.abs((byte) q[i]));
            }
            assertEquals(127, maxAbs, "channel " + c + " uses the full symmetric range");
        }
        // int32 biases at input scale × weight scale.
        assertEquals(TensorType.INT32, convBias.getType());
        for (int c = 0; c < 8; c++) {
            assertEquals(
                    input.getQuantization().getScale()[0]
                            * convKernel.getQuantization().getScale()[c],
                    convBias.getQuantization().getScale()[c]);
        }
        // dense: per tensor (TFLite 2.6's FULLY_CONNECTED reads one scale).
        assertEquals(1, denseKernel.getQuantization().getScale().length);
        assertEquals(TensorType.INT32, denseBias.getType());
        TensorT flat = tensor(tensors, "flatten_1");
        assertEquals(
                flat.getQuantization().getScale()[0]
                        * denseKernel.getQuantization().getScale()[0],
                denseBias.getQuantization().getScale()[0]);
    }

    @Test
    void callerQuantizesInputsWithTheExposedParameters() {
        StructuredModels.Data train = StructuredModels.data(CNN, 50, 5, 6);
        Weights weights = StructuredModels.fit(CNN, train, 8);
        QuantizedModel quantized = TfLiteWriter.int8(CNN, weights, train.rows(), train.count());
        byte[] q = quantized.quantizeInputs(new float[] {0f, 1f, 0.503f, -3f, 7f});
        assertArrayEquals(new byte[] {-128, 127, 0, -128, 127}, q);
        assertArrayEquals(new float[] {0f, 0.5f, 1f}, quantized.dequantizeOutputs(new byte[] {-128, 0, 127}), 1f / 256);
    }

    @Test
    void malformedCalibrationDataIsRejected() {
        Weights weights = TestModels.randomWeights(TestModels.DENSE, 1);
        int width = TestModels.DENSE.inputSize();
        IllegalArgumentException shortRows = assertThrows(
                IllegalArgumentException.class,
                () -> TfLiteWriter.int8(TestModels.DENSE, weights, new float[width * 2 - 1], 2));
        assertTrue(
                shortRows.getMessage().contains("expected 2 rows of 20 features (40 values), found 39"),
                shortRows.getMessage());
        float[] nan = new float[width * 2];
        nan[width + 3] = Float.NaN;
        IllegalArgumentException notFinite = assertThrows(
                IllegalArgumentException.class, () -> TfLiteWriter.int8(TestModels.DENSE, weights, nan, 2));
        assertTrue(notFinite.getMessage().contains("found NaN in row 1 feature 3"), notFinite.getMessage());
    }

    private static TensorT tensor(TensorT[] tensors, String name) {
        return Arrays.stream(tensors)
                .filter(t -> t.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no tensor " + name));
    }
}
