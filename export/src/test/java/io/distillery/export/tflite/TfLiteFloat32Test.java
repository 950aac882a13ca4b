package io.distillery.export.tflite;

import static io.distillery.export.TestModels.gaussianRows;
import static io.distillery.export.TestModels.maxAbsDiff;
import static io.distillery.export.TestModels.randomWeights;
import static io.distillery.export.TestModels.reference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import io.distillery.export.TestModels;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.Model;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.TensorType;

/** The float32 flatbuffer, run by the TFLite 2.6 interpreter, against TF Java (core's Predictor). */
class TfLiteFloat32Test {

    @Test
    void denseModelMatchesTensorFlow() {
        assertMatchesReference(TestModels.DENSE, 11);
    }

    @Test
    void convModelMatchesTensorFlow() {
        assertMatchesReference(TestModels.CONV, 12);
    }

    @Test
    void mobileModelMatchesTensorFlow() {
        assertMatchesReference(TestModels.MOBILE, 15);
    }

    @Test
    void residualBlocksAreAddsWithProjectedShortcuts() {
        assertMatchesReference(TestModels.RESIDUAL, 17);
        // Batch norm folded; one ADD per block (fused activation), a 1×1 CONV_2D or FULLY_CONNECTED for
        // each projected shortcut.
        assertEquals(
                java.util.List.of(
                        "RESHAPE",
                        "CONV_2D",
                        "CONV_2D",
                        "CONV_2D",
                        "ADD",
                        "CONV_2D",
                        "DEPTHWISE_CONV_2D",
                        "CONV_2D",
                        "ADD",
                        "MEAN",
                        "FULLY_CONNECTED",
                        "FULLY_CONNECTED",
                        "ADD",
                        "FULLY_CONNECTED",
                        "SOFTMAX"),
                operators(TfLiteWriter.float32(TestModels.RESIDUAL, randomWeights(TestModels.RESIDUAL, 17))));
    }

    @Test
    void batchNormIsFoldedIntoTheLayerBeforeIt() {
        assertMatchesReference(TestModels.BATCH_NORM, 16);
        // Three fused operators where the graph has conv, batch norm and activation: no batch norm left.
        assertEquals(
                java.util.List.of(
                        "RESHAPE",
                        "CONV_2D",
                        "DEPTHWISE_CONV_2D",
                        "RESHAPE",
                        "FULLY_CONNECTED",
                        "FULLY_CONNECTED",
                        "SOFTMAX"),
                operators(TfLiteWriter.float32(TestModels.BATCH_NORM, randomWeights(TestModels.BATCH_NORM, 16))));
        io.distillery.export.UnsupportedLayerException e = assertThrows(
                io.distillery.export.UnsupportedLayerException.class,
                () -> TfLiteWriter.float32(
                        TestModels.BATCH_NORM_AFTER_POOL, randomWeights(TestModels.BATCH_NORM_AFTER_POOL, 1)));
        assertEquals(
                "TFLite float32 cannot express layer batchnorm_1 (batchnorm): batch norm is folded into the"
                        + " conv2d, dwconv2d or dense layer just before it, which must have no activation of its own; found"
                        + " maxpool(2)",
                e.getMessage());
    }

    @Test
    void flattenOfAlreadyFlatInputMatchesTensorFlow() {
        assertMatchesReference(TestModels.FLAT_RANK2, 13);
        assertMatchesReference(TestModels.FLAT_RANK1, 14);
    }

    private static void assertMatchesReference(ModelSpec spec, long seed) {
        Weights weights = randomWeights(spec, seed);
        int rows = 7; // more than the file's batch of 1: the batch dimension is dynamic
        float[] x = gaussianRows(rows, spec.inputSize(), seed + 100);
        float[] expected = reference(spec, weights, x, rows);
        byte[] flatbuffer = TfLiteWriter.float32(spec, weights);
        try (TfLiteRunner runner = new TfLiteRunner(flatbuffer)) {
            assertFalse(runner.quantized());
            float[] actual = runner.probabilities(x, rows);
            double diff = maxAbsDiff(expected, actual);
            assertTrue(diff <= 1e-5, "max |TFLite - TF| = " + diff + " for " + spec);
            // Not trivially uniform outputs: the comparison distinguishes classes.
            assertTrue(maxAbsDiff(expected, new float[expected.length]) > 1.0 / spec.numClasses());
        }
    }

    @Test
    void interpreterSeesNamedInputOutputAndServingSignature() {
        ModelSpec spec = TestModels.CONV;
        byte[] flatbuffer = TfLiteWriter.float32(spec, randomWeights(spec, 3));
        try (TfLiteRunner runner = new TfLiteRunner(flatbuffer)) {
            assertEquals("input", runner.inputName());
            assertEquals("probabilities", runner.outputName());
            assertArrayEquals(new int[] {-1, spec.inputSize()}, runner.inputShapeSignature());
            assertEquals(spec.inputSize(), runner.inputSize());
            assertEquals(spec.numClasses(), runner.numClasses());
            assertArrayEquals(new String[] {"serving_default"}, runner.signatures());
        }
    }

    private static java.util.List<String> operators(byte[] flatbuffer) {
        ModelT model = ModelT.deserializeFromBinary(flatbuffer);
        return Arrays.stream(model.getSubgraphs()[0].getOperators())
                .map(op -> TensorEncoding.builtinName(
                        model.getOperatorCodes()[(int) op.getOpcodeIndex()].getBuiltinCode()))
                .toList();
    }

    @Test
    void fileFollowsTheSchemaConventions() {
        ModelSpec spec = TestModels.CONV;
        Weights weights = randomWeights(spec, 4);
        byte[] flatbuffer = TfLiteWriter.float32(spec, weights);
        assertTrue(Model.ModelBufferHasIdentifier(java.nio.ByteBuffer.wrap(flatbuffer)), "TFL3 identifier");
        ModelT model = ModelT.deserializeFromBinary(flatbuffer);
        assertEquals(3, model.getVersion());
        assertEquals(0, model.getBuffers()[0].getData() == null ? 0 : model.getBuffers()[0].getData().length);
        var graph = model.getSubgraphs()[0];
        var ops = Arrays.stream(graph.getOperators())
                .map(op -> model.getOperatorCodes()[(int) op.getOpcodeIndex()].getBuiltinCode())
                .toList();
        assertEquals(
                java.util.List.of(
                        BuiltinOperator.RESHAPE,
                        BuiltinOperator.CONV_2D,
                        BuiltinOperator.CONV_2D,
                        BuiltinOperator.MAX_POOL_2D,
                        BuiltinOperator.CONV_2D,
                        BuiltinOperator.RESHAPE,
                        BuiltinOperator.FULLY_CONNECTED,
                        BuiltinOperator.FULLY_CONNECTED,
                        BuiltinOperator.SOFTMAX),
                ops,
                "operators in order; dropout leaves none");
        // dense_1 kernel [27, 8] is stored [8, 27], its row o being column o of the Keras kernel.
        var kernel = Arrays.stream(graph.getTensors())
                .filter(t -> t.getName().equals("dense_1/kernel"))
                .findFirst()
                .orElseThrow();
        assertArrayEquals(new int[] {8, 27}, kernel.getShape());
        assertEquals(TensorType.FLOAT32, kernel.getType());
        float[] stored = floats(model.getBuffers()[(int) kernel.getBuffer()].getData());
        float[] keras = weights.get("dense_1/kernel").values();
        assertEquals(keras[5 * 8 + 2], stored[2 * 27 + 5]);
        // conv2d_2 kernel HWIO [4,4,4,5] is stored OHWI [5,4,4,4].
        var conv = Arrays.stream(graph.getTensors())
                .filter(t -> t.getName().equals("conv2d_2/kernel"))
                .findFirst()
                .orElseThrow();
        assertArrayEquals(new int[] {5, 4, 4, 4}, conv.getShape());
        float[] convStored = floats(model.getBuffers()[(int) conv.getBuffer()].getData());
        float[] hwio = weights.get("conv2d_2/kernel").values();
        // h=1, w=3, i=2, o=4
        assertEquals(hwio[((1 * 4 + 3) * 4 + 2) * 5 + 4], convStored[((4 * 4 + 1) * 4 + 3) * 4 + 2]);
    }

    @Test
    void weightsThatDoNotFitTheSpecAreRejectedBeforeWriting() {
        ModelSpec spec = TestModels.DENSE;
        Weights weights = randomWeights(spec, 5);
        Weights wrongShape = new Weights(weights.asMap().values().stream()
                .map(a -> a.name().equals("dense_2/kernel")
                        ? new NamedArray(a.name(), new long[] {5, 16}, a.values())
                        : a)
                .toList());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TfLiteWriter.float32(spec, wrongShape));
        assertTrue(e.getMessage().contains("TFLite float32"), e.getMessage());
        assertTrue(e.getMessage().contains("dense_2/kernel with shape [16, 5], found [5, 16]"), e.getMessage());
    }

    private static float[] floats(int[] unsignedBytes) {
        byte[] bytes = new byte[unsignedBytes.length];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) unsignedBytes[i];
        }
        float[] out = new float[bytes.length / 4];
        java.nio.ByteBuffer.wrap(bytes)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(out);
        return out;
    }
}
