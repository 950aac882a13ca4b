package io.distillery.distill;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * A teacher the user brings as a TensorFlow SavedModel (written by Keras, by {@code tf.saved_model.save}
 * or by an earlier Distillery run): its signature is read and checked against the data on opening, and
 * it scores flat feature rows into logits. Owns the loaded bundle; close it.
 *
 * <p>Keras classifiers usually end in a softmax: their probabilities become log-probabilities, which
 * differ from the logits by a per-row constant, so the softmax of either at any temperature is the same
 * and the distillation term does not change.
 */
public final class SavedModelTeacher implements AutoCloseable {
    /** Below this a probability is taken as this, so that its log stays finite. */
    static final float MIN_PROBABILITY = 1e-7f;

    /** What the signature's output holds. */
    public enum Output {
        LOGITS,
        PROBABILITIES,
        /** Probabilities if every row of a sample batch is in [0, 1] and sums to 1; logits otherwise. */
        AUTO;

        public static Output parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "output must be logits, probabilities or auto, found '" + text + "'", e);
            }
        }
    }

    /**
     * How to read one SavedModel.
     *
     * @param uri where the user keeps it: named in every message
     * @param inputScale,inputOffset the teacher sees {@code features × inputScale + inputOffset}
     *     (pixels in [0, 1] for the student, [0, 255] for a teacher trained that way)
     */
    public record Options(String uri, String signature, Output output, float inputScale, float inputOffset)
            implements java.io.Serializable {}

    private final Options options;
    private final SavedModelBundle bundle;
    private final String inputKey;
    private final String inputTensor;
    private final String outputKey;
    private final String outputTensor;
    /** The shape each batch is fed in, batch dimension first ({@code -1} there). */
    private final long[] feedShape;

    private final int numClasses;
    private boolean probabilities;

    private SavedModelTeacher(Options options, SavedModelBundle bundle, int[] dataShape, int numClasses) {
        this.options = options;
        this.bundle = bundle;
        this.numClasses = numClasses;
        Signature signature = bundle.signatures().stream()
                .filter(s -> s.key().equals(options.signature()))
                .findFirst()
                .orElseThrow(() -> mismatch("has no signature '" + options.signature() + "'; it has "
                        + new TreeSet<>(
                                bundle.signatures().stream().map(Signature::key).toList())));
        Map.Entry<String, Signature.TensorDescription> in = only(signature.getInputs(), "input");
        Map.Entry<String, Signature.TensorDescription> out = only(signature.getOutputs(), "output");
        this.inputKey = in.getKey();
        this.inputTensor = in.getValue().name;
        this.outputKey = out.getKey();
        this.outputTensor = out.getValue().name;
        if (in.getValue().dataType != DataType.DT_FLOAT) {
            throw mismatch("input '" + inputKey + "' is " + in.getValue().dataType + "; the data's features are"
                    + " DT_FLOAT (float32)");
        }
        this.feedShape = feedShape(in.getValue().shape, dataShape);
        Shape outShape = out.getValue().shape;
        if (outShape.numDimensions() != 2
                || (!outShape.isUnknown() && outShape.size(1) > 0 && outShape.size(1) != numClasses)) {
            throw mismatch("output '" + outputKey + "' has shape " + outShape + "; expected [-1, " + numClasses
                    + "] (data.num_classes " + numClasses + ")");
        }
        this.probabilities = options.output() == Output.PROBABILITIES;
    }

    /**
     * Loads the SavedModel in {@code dir} (a local copy of {@code options.uri()}) and checks its signature
     * against the data: one float input whose shape (after the batch dimension) is the data's row shape or
     * its flat width, one output of {@code numClasses} values.
     *
     * @throws TeacherMismatchException naming the URI, the signature and what differs
     */
    public static SavedModelTeacher open(Path dir, Options options, int[] dataShape, int numClasses) {
        return open(dir, options, dataShape, numClasses, null);
    }

    /** The same, its session made with {@code session} (a Spark task's cores and GPUs; null: defaults). */
    public static SavedModelTeacher open(
            Path dir, Options options, int[] dataShape, int numClasses, ConfigProto session) {
        if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
            throw new TeacherMismatchException(
                    "teacher " + options.uri() + ": not a SavedModel (no saved_model.pb in it)");
        }
        SavedModelBundle bundle;
        try {
            SavedModelBundle.Loader loader =
                    SavedModelBundle.loader(dir.toString()).withTags(SavedModelBundle.DEFAULT_TAG);
            bundle = (session == null ? loader : loader.withConfigProto(session)).load();
        } catch (RuntimeException e) {
            throw new TeacherMismatchException(
                    "teacher " + options.uri() + ": cannot be loaded with tag 'serve': " + e.getMessage(), e);
        }
        try {
            return new SavedModelTeacher(options, bundle, dataShape, numClasses);
        } catch (RuntimeException e) {
            bundle.close();
            throw e;
        }
    }

    /**
     * Decides {@link Output#AUTO} on a sample batch (every other setting is kept) and checks the output's
     * width on it: call once, on rows of the data, before any training.
     */
    public Output resolveOutput(float[] sample, int rows) {
        float[] out = run(sample, rows);
        if (out.length != rows * numClasses) {
            throw mismatch("output '" + outputKey + "' gave " + out.length / Math.max(rows, 1) + " values per row;"
                    + " expected " + numClasses + " (data.num_classes)");
        }
        if (options.output() == Output.AUTO) {
            probabilities = looksLikeProbabilities(out, rows, numClasses);
        }
        return probabilities ? Output.PROBABILITIES : Output.LOGITS;
    }

    static boolean looksLikeProbabilities(float[] out, int rows, int classes) {
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                float p = out[r * classes + c];
                if (!(p >= 0 && p <= 1)) {
                    return false;
                }
                sum += p;
            }
            if (Math.abs(sum - 1) > 1e-3) {
                return false;
            }
        }
        return true;
    }

    /** The teacher's logits (or log-probabilities) for {@code rows} flat feature rows, row-major. */
    public float[] logits(float[] features, int rows) {
        float[] out = run(features, rows);
        if (probabilities) {
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) Math.log(Math.max(out[i], MIN_PROBABILITY));
            }
        }
        return out;
    }

    public String inputKey() {
        return inputKey;
    }

    public String outputKey() {
        return outputKey;
    }

    private float[] run(float[] features, int rows) {
        float[] x = features;
        if (options.inputScale() != 1 || options.inputOffset() != 0) {
            x = new float[features.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = features[i] * options.inputScale() + options.inputOffset();
            }
        }
        long[] shape = feedShape.clone();
        shape[0] = rows;
        try (TFloat32 t = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(x, true, false));
                var result = bundle.session()
                        .runner()
                        .feed(inputTensor, t)
                        .fetch(outputTensor)
                        .run()) {
            TFloat32 y = (TFloat32) result.get(0);
            float[] out = new float[Math.toIntExact(y.size())];
            y.copyTo(DataBuffers.of(out, false, false));
            return out;
        }
    }

    /** The input's shape with the data's rows: the data's row shape, or its flat width. */
    private long[] feedShape(Shape declared, int[] dataShape) {
        long width = Arrays.stream(dataShape).asLongStream().reduce(1, (a, b) -> a * b);
        long[] rowShape = Arrays.stream(dataShape).asLongStream().toArray();
        if (!declared.isUnknown()) {
            long[] dims = declared.asArray();
            long[] row = Arrays.copyOfRange(dims, 1, dims.length);
            if (fits(row, rowShape)) {
                return prepend(rowShape);
            }
            if (fits(row, new long[] {width})) {
                return new long[] {-1, width};
            }
            throw mismatch("input '" + inputKey + "' has shape " + declared + "; the data's rows are "
                    + Arrays.toString(dataShape) + " (data.input_shape), " + width + " values");
        }
        return prepend(rowShape);
    }

    private static boolean fits(long[] declared, long[] actual) {
        if (declared.length != actual.length) {
            return false;
        }
        for (int i = 0; i < declared.length; i++) {
            if (declared[i] >= 0 && declared[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }

    private static long[] prepend(long[] row) {
        long[] s = new long[row.length + 1];
        s[0] = -1;
        System.arraycopy(row, 0, s, 1, row.length);
        return s;
    }

    private <V> Map.Entry<String, V> only(Map<String, V> tensors, String what) {
        if (tensors.size() != 1) {
            throw mismatch("expected one " + what + ", found " + new TreeSet<>(tensors.keySet()));
        }
        return tensors.entrySet().iterator().next();
    }

    private TeacherMismatchException mismatch(String what) {
        return new TeacherMismatchException(
                "teacher " + options.uri() + ", signature '" + options.signature() + "': " + what);
    }

    @Override
    public void close() {
        bundle.close();
    }
}
