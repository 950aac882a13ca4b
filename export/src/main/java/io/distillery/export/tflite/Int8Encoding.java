package io.distillery.export.tflite;

import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.QuantizationParametersT;
import org.tensorflow.lite.schema.TensorType;

/**
 * Full-integer quantization as the TFLite converter does it with {@code TFLITE_BUILTINS_INT8}:
 * activations int8 with the calibrated asymmetric scales, weights int8 symmetric in [-127, 127] with
 * zero point 0 (one scale per output channel where the op supports it), biases int32 with scale input
 * scale × weight scale, the softmax output at scale 1/256 and zero point -128.
 */
record Int8Encoding(Calibration calibration) implements TensorEncoding {
    static final String FORMAT = "TFLite int8";
    static final float SOFTMAX_SCALE = 1f / 256;
    static final int SOFTMAX_ZERO_POINT = -128;

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public int input(TfLiteModelBuilder model, int inputSize) {
        return model.activation("input", TensorType.INT8, new int[] {inputSize}, params(calibration.input()));
    }

    @Override
    public int layerOutput(TfLiteModelBuilder model, String name, int[] shape, int layerIndex) {
        return model.activation(name, TensorType.INT8, shape, params(calibration.layerOutput(layerIndex)));
    }

    @Override
    public int projectionOutput(TfLiteModelBuilder model, String name, int[] shape, int layerIndex) {
        return model.activation(name, TensorType.INT8, shape, params(calibration.projection(layerIndex)));
    }

    @Override
    public int sameAs(TfLiteModelBuilder model, String name, int[] shape, int input) {
        QuantizationParametersT in = model.quantization(input);
        return model.activation(
                name, TensorType.INT8, shape, params(new QuantParams(in.getScale()[0], (int) in.getZeroPoint()[0])));
    }

    @Override
    public int weights(TfLiteModelBuilder model, String name, int[] shape, float[] values, int channelAxis) {
        int channels = channelAxis < 0 ? 1 : shape[channelAxis];
        int inner = 1; // values between two channels' neighbours: the dimensions after the axis
        for (int d = channelAxis + 1; channelAxis >= 0 && d < shape.length; d++) {
            inner *= shape[d];
        }
        float[] maxAbs = new float[channels];
        for (int i = 0; i < values.length; i++) {
            int c = channelAxis < 0 ? 0 : (i / inner) % channels;
            maxAbs[c] = Math.max(maxAbs[c], Math.abs(values[i]));
        }
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) {
            // An all-zero channel (pruning makes them) quantizes to zeros at any scale; 1/127 keeps it valid.
            scales[c] = maxAbs[c] > 0 ? maxAbs[c] / 127f : 1f / 127f;
        }
        byte[] q = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            long v = Math.round(values[i] / (double) scales[channelAxis < 0 ? 0 : (i / inner) % channels]);
            q[i] = (byte) Math.max(-127, Math.min(127, v));
        }
        QuantizationParametersT params = new QuantizationParametersT();
        params.setScale(scales);
        params.setZeroPoint(new long[channels]);
        params.setQuantizedDimension(Math.max(0, channelAxis));
        return model.constant(name, TensorType.INT8, shape, q, params);
    }

    @Override
    public int bias(TfLiteModelBuilder model, String name, float[] values, int input, int weights) {
        float inputScale = model.quantization(input).getScale()[0];
        float[] weightScales = model.quantization(weights).getScale();
        boolean perChannel = weightScales.length > 1;
        if (perChannel && weightScales.length != values.length) {
            throw new IllegalStateException(FORMAT + " " + name + ": expected one weight scale per bias value ("
                    + values.length + "), found " + weightScales.length);
        }
        float[] scales = new float[perChannel ? values.length : 1];
        for (int c = 0; c < scales.length; c++) {
            // Float product, as the runtime checks it: bias scale == input scale × weight scale.
            scales[c] = inputScale * weightScales[c];
        }
        int[] q = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            long v = Math.round(values[i] / (double) scales[perChannel ? i : 0]);
            q[i] = (int) Math.max(Integer.MIN_VALUE + 1L, Math.min(Integer.MAX_VALUE, v));
        }
        QuantizationParametersT params = new QuantizationParametersT();
        params.setScale(scales);
        params.setZeroPoint(new long[scales.length]);
        params.setQuantizedDimension(0);
        return model.constant(
                name, TensorType.INT32, new int[] {values.length}, TfLiteModelBuilder.littleEndian(q), params);
    }

    @Override
    public int probabilities(TfLiteModelBuilder model, int numClasses) {
        return model.activation(
                "probabilities",
                TensorType.INT8,
                new int[] {numClasses},
                params(new QuantParams(SOFTMAX_SCALE, SOFTMAX_ZERO_POINT)));
    }

    @Override
    public int version(int builtin) {
        return switch (builtin) {
            case BuiltinOperator.CONV_2D, BuiltinOperator.DEPTHWISE_CONV_2D -> 3; // int8, per-channel filters
            case BuiltinOperator.FULLY_CONNECTED -> 4;
            case BuiltinOperator.MAX_POOL_2D,
                    BuiltinOperator.ADD,
                    BuiltinOperator.AVERAGE_POOL_2D,
                    BuiltinOperator.MEAN,
                    BuiltinOperator.SOFTMAX -> 2;
            case BuiltinOperator.RESHAPE -> 1;
            default ->
                throw new IllegalStateException(
                        FORMAT + ": no int8 version known for operator " + TensorEncoding.builtinName(builtin)
                                + "; expected CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MAX_POOL_2D,"
                                + " AVERAGE_POOL_2D, MEAN, RESHAPE or SOFTMAX");
        };
    }

    private static QuantizationParametersT params(QuantParams q) {
        QuantizationParametersT params = new QuantizationParametersT();
        params.setScale(new float[] {q.scale()});
        params.setZeroPoint(new long[] {q.zeroPoint()});
        return params;
    }
}
