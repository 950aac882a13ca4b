package io.distillery.export.tflite;

import org.tensorflow.lite.schema.TensorType;

/** Every tensor float32; every operator at version 1. */
final class Float32Encoding implements TensorEncoding {
    static final String FORMAT = "TFLite float32";

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public int input(TfLiteModelBuilder model, int inputSize) {
        return model.activation("input", TensorType.FLOAT32, new int[] {inputSize}, null);
    }

    @Override
    public int layerOutput(TfLiteModelBuilder model, String name, int[] shape, int layerIndex) {
        return model.activation(name, TensorType.FLOAT32, shape, null);
    }

    @Override
    public int projectionOutput(TfLiteModelBuilder model, String name, int[] shape, int layerIndex) {
        return model.activation(name, TensorType.FLOAT32, shape, null);
    }

    @Override
    public int sameAs(TfLiteModelBuilder model, String name, int[] shape, int input) {
        return model.activation(name, TensorType.FLOAT32, shape, null);
    }

    @Override
    public int weights(TfLiteModelBuilder model, String name, int[] shape, float[] values, int channelAxis) {
        return model.constant(name, TensorType.FLOAT32, shape, TfLiteModelBuilder.littleEndian(values), null);
    }

    @Override
    public int bias(TfLiteModelBuilder model, String name, float[] values, int input, int weights) {
        return model.constant(
                name, TensorType.FLOAT32, new int[] {values.length}, TfLiteModelBuilder.littleEndian(values), null);
    }

    @Override
    public int probabilities(TfLiteModelBuilder model, int numClasses) {
        return model.activation("probabilities", TensorType.FLOAT32, new int[] {numClasses}, null);
    }

    @Override
    public int version(int builtin) {
        return 1;
    }
}
