package io.distillery.export.tflite;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.tensorflow.lite.DataType;
import org.tensorflow.lite.Interpreter;
import org.tensorflow.lite.Tensor;

/**
 * Runs a {@code .tflite} classifier in the TFLite 2.6 interpreter (DJL's JNI build), independently of
 * the code that wrote it: how tests prove the writer and how the pipeline measures each format's
 * accuracy. Float features in, probabilities out, for float32 and int8 models alike: for an int8 model
 * the inputs are quantized and the outputs dequantized with the parameters the interpreter reads from
 * the file. Not thread-safe; owns its interpreter, so close it (try-with-resources).
 */
public final class TfLiteRunner implements AutoCloseable {
    private static final int MAX_BATCH = 256;

    private final ByteBuffer model; // the interpreter reads the model from this memory: keep it alive
    private final Interpreter interpreter;
    private final DataType inputType;
    private final int inputSize;
    private final int numClasses;
    private final Tensor.QuantizationParams inputQuantization;
    private final Tensor.QuantizationParams outputQuantization;
    private boolean closed;
    // invoke(): buffers of the last batch size, reused while it does not change
    private int invokeRows = -1;
    private ByteBuffer invokeIn;
    private ByteBuffer invokeOut;

    public TfLiteRunner(byte[] flatbuffer) {
        this(flatbuffer, 1, false);
    }

    /**
     * @param threads the interpreter's threads
     * @param xnnpack whether float operators run in the XNNPACK delegate (TFLite's fast CPU kernels;
     *     int8 operators stay on the built-in kernels in this TFLite version)
     */
    public TfLiteRunner(byte[] flatbuffer, int threads, boolean xnnpack) {
        TfLiteNative.load();
        this.model = ByteBuffer.allocateDirect(flatbuffer.length).order(ByteOrder.nativeOrder());
        model.put(flatbuffer).rewind();
        this.interpreter = new Interpreter(
                model, new Interpreter.Options().setNumThreads(threads).setUseXNNPACK(xnnpack));
        try {
            if (interpreter.getInputTensorCount() != 1 || interpreter.getOutputTensorCount() != 1) {
                throw new IllegalArgumentException("TFLite runner: expected a model with 1 input and 1 output, found "
                        + interpreter.getInputTensorCount() + " and " + interpreter.getOutputTensorCount());
            }
            Tensor in = interpreter.getInputTensor(0);
            Tensor out = interpreter.getOutputTensor(0);
            if (in.shape().length != 2 || out.shape().length != 2) {
                throw new IllegalArgumentException(
                        "TFLite runner: expected input [batch, features] and output [batch, classes], found "
                                + Arrays.toString(in.shape()) + " and " + Arrays.toString(out.shape()));
            }
            if (in.dataType() != out.dataType()
                    || (in.dataType() != DataType.FLOAT32 && in.dataType() != DataType.INT8)) {
                throw new IllegalArgumentException("TFLite runner: expected float32 or int8 input and output, found "
                        + in.dataType() + " and " + out.dataType());
            }
            this.inputType = in.dataType();
            this.inputSize = in.shape()[1];
            this.numClasses = out.shape()[1];
            this.inputQuantization = in.quantizationParams();
            this.outputQuantization = out.quantizationParams();
        } catch (RuntimeException e) {
            interpreter.close();
            throw e;
        }
    }

    /** Whether the model takes and returns int8. */
    public boolean quantized() {
        return inputType == DataType.INT8;
    }

    public int inputSize() {
        return inputSize;
    }

    public int numClasses() {
        return numClasses;
    }

    /** The input's quantization as the interpreter reads it: {@code [scale, zeroPoint]}. */
    public float[] inputQuantization() {
        return new float[] {inputQuantization.getScale(), inputQuantization.getZeroPoint()};
    }

    /** The output's quantization as the interpreter reads it: {@code [scale, zeroPoint]}. */
    public float[] outputQuantization() {
        return new float[] {outputQuantization.getScale(), outputQuantization.getZeroPoint()};
    }

    /** Softmax probabilities, {@code rows × numClasses}, row-major. */
    public float[] probabilities(float[] features, int rows) {
        checkOpen();
        if (rows < 0 || features.length != (long) rows * inputSize) {
            throw new IllegalArgumentException("TFLite runner: expected " + rows + " rows of " + inputSize
                    + " features (" + (long) rows * inputSize + " values), found " + features.length);
        }
        float[] out = new float[rows * numClasses];
        for (int start = 0; start < rows; start += MAX_BATCH) {
            int n = Math.min(MAX_BATCH, rows - start);
            if (quantized()) {
                runInt8(features, start, n, out);
            } else {
                runFloat(features, start, n, out);
            }
        }
        return out;
    }

    private void runFloat(float[] features, int start, int n, float[] out) {
        float[][] in = new float[n][];
        for (int r = 0; r < n; r++) {
            in[r] = Arrays.copyOfRange(features, (start + r) * inputSize, (start + r + 1) * inputSize);
        }
        float[][] result = new float[n][numClasses];
        interpreter.run(in, result); // resizes the batch dimension to n
        for (int r = 0; r < n; r++) {
            System.arraycopy(result[r], 0, out, (start + r) * numClasses, numClasses);
        }
    }

    private void runInt8(float[] features, int start, int n, float[] out) {
        float inScale = inputQuantization.getScale();
        int inZero = inputQuantization.getZeroPoint();
        byte[][] in = new byte[n][inputSize];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < inputSize; i++) {
                long q = Math.round(features[(start + r) * inputSize + i] / (double) inScale) + inZero;
                in[r][i] = (byte) Math.max(-128, Math.min(127, q));
            }
        }
        byte[][] result = new byte[n][numClasses];
        interpreter.run(in, result);
        float outScale = outputQuantization.getScale();
        int outZero = outputQuantization.getZeroPoint();
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < numClasses; c++) {
                out[(start + r) * numClasses + c] = outScale * (result[r][c] - outZero);
            }
        }
    }

    /**
     * Runs {@code rows} rows as a serving loop would, through buffers kept between calls (the float[][]
     * path of {@link #probabilities} copies every row twice, which can cost more than a small model):
     * what latency is measured with. The result stays in the interpreter's output buffer.
     */
    public void invoke(float[] features, int rows) {
        checkOpen();
        int bytesPerValue = quantized() ? 1 : 4;
        if (rows != invokeRows) {
            interpreter.resizeInput(0, new int[] {rows, inputSize});
            interpreter.allocateTensors();
            invokeIn =
                    ByteBuffer.allocateDirect(rows * inputSize * bytesPerValue).order(ByteOrder.nativeOrder());
            invokeOut =
                    ByteBuffer.allocateDirect(rows * numClasses * bytesPerValue).order(ByteOrder.nativeOrder());
            invokeRows = rows;
        }
        invokeIn.clear();
        if (quantized()) {
            float inScale = inputQuantization.getScale();
            int inZero = inputQuantization.getZeroPoint();
            for (int i = 0; i < rows * inputSize; i++) {
                invokeIn.put((byte) Math.max(-128, Math.min(127, Math.round(features[i] / inScale) + inZero)));
            }
        } else {
            invokeIn.asFloatBuffer().put(features, 0, rows * inputSize);
        }
        invokeIn.rewind();
        invokeOut.clear();
        interpreter.run(invokeIn, invokeOut);
    }

    /** The interpreter's signature names, e.g. {@code [serving_default]}. */
    public String[] signatures() {
        checkOpen();
        return interpreter.getSignatureDefNames();
    }

    /** The input tensor's name in the file. */
    public String inputName() {
        checkOpen();
        return interpreter.getInputTensor(0).name();
    }

    /** The output tensor's name in the file. */
    public String outputName() {
        checkOpen();
        return interpreter.getOutputTensor(0).name();
    }

    /** The input's shape signature as the interpreter reads it; -1 marks a dynamic dimension. */
    public int[] inputShapeSignature() {
        checkOpen();
        return interpreter.getInputTensor(0).shapeSignature();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("TfLiteRunner is closed; create a new one to run the model");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            interpreter.close();
        }
    }
}
