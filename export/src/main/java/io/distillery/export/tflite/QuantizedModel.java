package io.distillery.export.tflite;

import java.util.Arrays;

/**
 * A full-integer (int8) TFLite model and the quantization of its input and output, which a caller needs
 * to feed it ({@code q = round(x / inputScale) + inputZeroPoint}, clamped to [-128, 127]) and to read it
 * ({@code p = outputScale × (q - outputZeroPoint)}); the output is the softmax, so {@code outputScale}
 * is 1/256 and {@code outputZeroPoint} -128.
 *
 * @param flatbuffer the {@code .tflite} file's bytes
 */
public record QuantizedModel(
        byte[] flatbuffer, float inputScale, int inputZeroPoint, float outputScale, int outputZeroPoint) {

    public QuantizedModel {
        if (flatbuffer == null
                || flatbuffer.length < 8
                || flatbuffer[4] != 'T'
                || flatbuffer[5] != 'F'
                || flatbuffer[6] != 'L'
                || flatbuffer[7] != '3') {
            throw new IllegalArgumentException(
                    "quantized model: expected a TFLite flatbuffer with identifier TFL3, found "
                            + (flatbuffer == null ? "null" : flatbuffer.length + " bytes without it"));
        }
        // Validates scale and zero point; the messages name the offending value.
        new QuantParams(inputScale, inputZeroPoint);
        new QuantParams(outputScale, outputZeroPoint);
        flatbuffer = flatbuffer.clone();
    }

    @Override
    public byte[] flatbuffer() {
        return flatbuffer.clone();
    }

    /** Size of the {@code .tflite} file in bytes. */
    public int sizeBytes() {
        return flatbuffer.length;
    }

    /** Quantizes float features (any number of rows, flat) to the model's int8 input. */
    public byte[] quantizeInputs(float[] features) {
        QuantParams q = new QuantParams(inputScale, inputZeroPoint);
        byte[] out = new byte[features.length];
        for (int i = 0; i < features.length; i++) {
            out[i] = q.quantize(features[i]);
        }
        return out;
    }

    /** Dequantizes the model's int8 output to probabilities. */
    public float[] dequantizeOutputs(byte[] outputs) {
        QuantParams q = new QuantParams(outputScale, outputZeroPoint);
        float[] out = new float[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            out[i] = q.dequantize(outputs[i]);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantizedModel m
                && Arrays.equals(flatbuffer, m.flatbuffer)
                && Float.compare(inputScale, m.inputScale) == 0
                && inputZeroPoint == m.inputZeroPoint
                && Float.compare(outputScale, m.outputScale) == 0
                && outputZeroPoint == m.outputZeroPoint;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(flatbuffer) * 31 + Float.hashCode(inputScale) + 7 * inputZeroPoint;
    }

    @Override
    public String toString() {
        return "QuantizedModel[" + flatbuffer.length + " bytes, input scale " + inputScale + " zero point "
                + inputZeroPoint + ", output scale " + outputScale + " zero point " + outputZeroPoint + "]";
    }
}
