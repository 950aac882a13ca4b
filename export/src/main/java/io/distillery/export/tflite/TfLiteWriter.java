package io.distillery.export.tflite;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.export.CheckedWeights;

/**
 * Writes a model as a TensorFlow Lite flatbuffer ({@code .tflite}): input {@code input} {@code [batch,
 * inputSize]} (flat features, as core's graph takes them; batch 1 with a dynamic batch in the shape
 * signature), output {@code probabilities} {@code [batch, numClasses]} (softmax), a {@code
 * serving_default} signature. Operators: FULLY_CONNECTED and CONV_2D with fused ReLU, MAX_POOL_2D,
 * RESHAPE, SOFTMAX; dropout is left out.
 */
public final class TfLiteWriter {
    /** Format names used in messages. */
    public static final String FLOAT32 = Float32Encoding.FORMAT;

    public static final String INT8 = Int8Encoding.FORMAT;

    private TfLiteWriter() {}

    /**
     * A float32 model.
     *
     * @throws IllegalArgumentException if the weights do not fit the spec
     * @throws io.distillery.export.UnsupportedLayerException if a layer has no TFLite mapping
     */
    public static byte[] float32(ModelSpec spec, Weights weights) {
        return float32(spec, weights, TfLiteMapping.DEFAULT);
    }

    /**
     * A full-integer model: int8 input, activations and output, int8 weights and int32 biases, like the
     * TFLite converter's post-training quantization with {@code TFLITE_BUILTINS_INT8} and int8 input and
     * output types. Activation ranges come from running the float model over the representative rows.
     *
     * @param calibrationRows {@code rows × spec.inputSize()} representative features, flat, finite
     * @throws IllegalArgumentException if the weights do not fit the spec or the rows are malformed
     * @throws io.distillery.export.UnsupportedLayerException if a layer has no TFLite mapping
     */
    public static QuantizedModel int8(ModelSpec spec, Weights weights, float[] calibrationRows, int rows) {
        return int8(spec, weights, calibrationRows, rows, TfLiteMapping.DEFAULT);
    }

    static byte[] float32(ModelSpec original, Weights weights, TfLiteMapping mapping) {
        CheckedWeights.of(original, weights, FLOAT32);
        BatchNormFolding.Folded folded = BatchNormFolding.fold(original, weights, FLOAT32);
        ModelSpec spec = folded.spec();
        CheckedWeights checked = CheckedWeights.of(spec, folded.weights(), FLOAT32);
        return TfLiteGraph.build(spec, checked, new Float32Encoding(), mapping);
    }

    static QuantizedModel int8(
            ModelSpec original, Weights weights, float[] calibrationRows, int rows, TfLiteMapping mapping) {
        CheckedWeights.of(original, weights, INT8);
        BatchNormFolding.Folded folded = BatchNormFolding.fold(original, weights, INT8);
        ModelSpec spec = folded.spec();
        CheckedWeights checked = CheckedWeights.of(spec, folded.weights(), INT8);
        // Fail on an unmapped layer before spending time on calibration.
        spec.namedLayers().forEach(layer -> mapping.emitter(layer, INT8));
        Calibration calibration = Calibration.run(spec, checked, calibrationRows, rows);
        byte[] flatbuffer = TfLiteGraph.build(spec, checked, new Int8Encoding(calibration), mapping);
        QuantParams in = calibration.input();
        return new QuantizedModel(
                flatbuffer, in.scale(), in.zeroPoint(), Int8Encoding.SOFTMAX_SCALE, Int8Encoding.SOFTMAX_ZERO_POINT);
    }
}
