package io.distillery.export.tflite;

import io.distillery.core.model.ModelSpec;
import io.distillery.export.CheckedWeights;

/**
 * Activation ranges observed while running the float model over a representative dataset: the input's
 * and every layer output's min and max, as the TFLite converter's calibrator records them. Layers that
 * only move values (max pooling, flatten, dropout) keep their input's quantization and are not used.
 *
 * <p>The float model runs in Java ({@link FloatForward}) rather than in TF Java because calibration needs
 * every intermediate activation and core's {@code Predictor} exposes only logits and probabilities.
 */
final class Calibration {
    private final QuantParams input;
    private final QuantParams[] layerOutputs;

    private Calibration(QuantParams input, QuantParams[] layerOutputs) {
        this.input = input;
        this.layerOutputs = layerOutputs;
    }

    /**
     * Runs {@code rows} rows of {@code calibrationRows} through the float model.
     *
     * @throws IllegalArgumentException if the rows do not match the spec's input size or hold NaN/Inf
     */
    static Calibration run(ModelSpec spec, CheckedWeights weights, float[] calibrationRows, int rows) {
        int width = spec.inputSize();
        if (rows <= 0) {
            throw new IllegalArgumentException(
                    "int8 calibration: expected at least 1 representative row, found " + rows);
        }
        if (calibrationRows == null || calibrationRows.length != (long) rows * width) {
            throw new IllegalArgumentException(
                    "int8 calibration: expected " + rows + " rows of " + width + " features ("
                            + (long) rows * width + " values), found "
                            + (calibrationRows == null ? "null" : calibrationRows.length + " values"));
        }
        int layers = spec.namedLayers().size();
        float inMin = Float.POSITIVE_INFINITY;
        float inMax = Float.NEGATIVE_INFINITY;
        // Layer outputs at [0, layers), add layers' projected shortcuts at [layers, 2 · layers).
        float[] min = new float[2 * layers];
        float[] max = new float[2 * layers];
        java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        FloatForward forward = new FloatForward(spec, weights);
        float[] row = new float[width];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(calibrationRows, r * width, row, 0, width);
            for (int i = 0; i < width; i++) {
                if (!Float.isFinite(row[i])) {
                    throw new IllegalArgumentException("int8 calibration: expected finite features, found " + row[i]
                            + " in row " + r + " feature " + i);
                }
                inMin = Math.min(inMin, row[i]);
                inMax = Math.max(inMax, row[i]);
            }
            float[][] projections = new float[layers][];
            float[][] outputs = forward.layerOutputs(row, projections);
            for (int l = 0; l < 2 * layers; l++) {
                float[] values = l < layers ? outputs[l] : projections[l - layers];
                for (int j = 0; values != null && j < values.length; j++) {
                    min[l] = Math.min(min[l], values[j]);
                    max[l] = Math.max(max[l], values[j]);
                }
            }
        }
        QuantParams[] params = new QuantParams[2 * layers];
        for (int l = 0; l < 2 * layers; l++) {
            if (l >= layers && min[l] == Float.POSITIVE_INFINITY) {
                continue; // no projection at this layer
            }
            if (!Float.isFinite(min[l]) || !Float.isFinite(max[l])) {
                throw new IllegalArgumentException("int8 calibration: layer "
                        + spec.namedLayers().get(l % layers).name()
                        + " produced non-finite activations [" + min[l] + ", " + max[l]
                        + "]; expected finite values (are the weights diverged?)");
            }
            params[l] = QuantParams.ofRange(min[l], max[l]);
        }
        return new Calibration(QuantParams.ofRange(inMin, inMax), params);
    }

    QuantParams input() {
        return input;
    }

    /** Quantization of layer {@code index}'s output (after its fused activation). */
    QuantParams layerOutput(int index) {
        return layerOutputs[index];
    }

    /** Quantization of the projected shortcut of the add layer at {@code index}. */
    QuantParams projection(int index) {
        QuantParams q = layerOutputs[layerOutputs.length / 2 + index];
        if (q == null) {
            throw new IllegalStateException("int8 calibration: layer " + index + " has no projected shortcut");
        }
        return q;
    }
}
