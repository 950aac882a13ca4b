package io.distillery.export.tflite;

/**
 * Affine int8 quantization of one tensor: {@code real = scale × (q - zeroPoint)}, q in [-128, 127].
 */
record QuantParams(float scale, int zeroPoint) {
    static final int QMIN = -128;
    static final int QMAX = 127;

    QuantParams {
        if (!(scale > 0) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("int8 quantization: scale must be finite and > 0, found " + scale);
        }
        if (zeroPoint < QMIN || zeroPoint > QMAX) {
            throw new IllegalArgumentException(
                    "int8 quantization: zero point must be in [-128, 127], found " + zeroPoint);
        }
    }

    /**
     * The asymmetric int8 quantization of an observed range, widened to contain 0 so that zero (ReLU's
     * floor, SAME padding) is exact, as the TFLite converter does. An empty range (all zeros) gets scale 1.
     */
    static QuantParams ofRange(float min, float max) {
        if (!Float.isFinite(min) || !Float.isFinite(max) || min > max) {
            throw new IllegalArgumentException(
                    "int8 quantization: expected a finite range min <= max, found [" + min + ", " + max + "]");
        }
        double lo = Math.min(min, 0.0);
        double hi = Math.max(max, 0.0);
        if (hi == lo) {
            return new QuantParams(1f, 0);
        }
        float scale = (float) ((hi - lo) / (QMAX - QMIN));
        long zp = Math.round(QMIN - lo / scale);
        return new QuantParams(scale, (int) Math.max(QMIN, Math.min(QMAX, zp)));
    }

    byte quantize(float x) {
        long q = Math.round(x / (double) scale) + zeroPoint;
        return (byte) Math.max(QMIN, Math.min(QMAX, q));
    }

    float dequantize(byte q) {
        return scale * (q - zeroPoint);
    }
}
