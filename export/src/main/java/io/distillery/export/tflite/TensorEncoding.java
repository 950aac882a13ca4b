package io.distillery.export.tflite;

import org.tensorflow.lite.schema.BuiltinOperator;

/**
 * How a TFLite model stores its tensors: float32, or int8 with calibrated scales. Layer emitters ask
 * the encoding for every tensor they create, so one set of emitters writes both formats. Shapes are
 * given without the batch dimension; run-time tensors get batch 1 with a dynamic ({@code -1}) batch in
 * their shape signature.
 */
interface TensorEncoding {

    /** The format's name in messages and file descriptions, e.g. {@code TFLite int8}. */
    String format();

    /** The model input {@code [1, inputSize]}, named {@code input}. */
    int input(TfLiteModelBuilder model, int inputSize);

    /** The output of layer {@code layerIndex}, after its fused activation. */
    int layerOutput(TfLiteModelBuilder model, String name, int[] shape, int layerIndex);

    /** The projected shortcut of the add layer {@code layerIndex}, before the addition. */
    int projectionOutput(TfLiteModelBuilder model, String name, int[] shape, int layerIndex);

    /** The output of an op that only moves values (reshape, max pooling): encoded like {@code input}. */
    int sameAs(TfLiteModelBuilder model, String name, int[] shape, int input);

    /**
     * A constant weight tensor already in TFLite layout, output channels first.
     *
     * @param channelAxis the axis of the output channels when the op reads one scale per channel
     *     (int8 only: 0 for CONV_2D's OHWI, 3 for DEPTHWISE_CONV_2D's [1, k, k, C]), or -1 for one scale
     */
    int weights(TfLiteModelBuilder model, String name, int[] shape, float[] values, int channelAxis);

    /** The bias of an op whose {@code input} and {@code weights} tensors exist already. */
    int bias(TfLiteModelBuilder model, String name, float[] values, int input, int weights);

    /** The softmax output {@code [1, numClasses]}, named {@code probabilities}. */
    int probabilities(TfLiteModelBuilder model, int numClasses);

    /** The operator version this encoding's tensor types need (the TFLite converter's choice). */
    int version(int builtin);

    static int[] batched(int[] shape, int batch) {
        int[] out = new int[shape.length + 1];
        out[0] = batch;
        System.arraycopy(shape, 0, out, 1, shape.length);
        return out;
    }

    static String builtinName(int builtin) {
        return builtin >= 0 && builtin < BuiltinOperator.names.length
                ? BuiltinOperator.name(builtin)
                : "builtin " + builtin;
    }
}
