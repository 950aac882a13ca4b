package io.distillery.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.testing.KerasLikeSavedModel;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SavedModelTeacherTest {
    private static final int[] DATA = {4, 4, 1};
    private static final int CLASSES = 3;

    @TempDir
    Path tmp;

    private final float[][] kernel = kernel();
    private final float[] rows = rows(5);

    private static float[][] kernel() {
        Random r = new Random(7);
        float[][] k = new float[16][CLASSES];
        for (float[] row : k) {
            for (int c = 0; c < CLASSES; c++) {
                row[c] = (float) r.nextGaussian();
            }
        }
        return k;
    }

    private static float[] rows(int n) {
        Random r = new Random(3);
        float[] x = new float[n * 16];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        return x;
    }

    /** What the test model's logits must be: x · kernel, with x scaled first. */
    private float[] expectedLogits(float[] x, int n, float scale, float offset) {
        float[] out = new float[n * CLASSES];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < CLASSES; c++) {
                double s = 0;
                for (int i = 0; i < 16; i++) {
                    s += (x[r * 16 + i] * scale + offset) * kernel[i][c];
                }
                out[r * CLASSES + c] = (float) s;
            }
        }
        return out;
    }

    private Path keras(String name, long[] shape, boolean softmax) throws Exception {
        Path dir = tmp.resolve(name);
        KerasLikeSavedModel.write(dir, "serving_default", "conv2d_input", shape, "dense_1", kernel, softmax, false);
        return dir;
    }

    private static SavedModelTeacher.Options options(SavedModelTeacher.Output output) {
        return new SavedModelTeacher.Options("hdfs://nn/teachers/keras", "serving_default", output, 1f, 0f);
    }

    /** Softmax of each row at temperature 1, as the distillation term sees it. */
    private static double[] softmax(float[] logits, int row) {
        double[] p = new double[CLASSES];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < CLASSES; c++) {
            max = Math.max(max, logits[row * CLASSES + c]);
        }
        double sum = 0;
        for (int c = 0; c < CLASSES; c++) {
            p[c] = Math.exp(logits[row * CLASSES + c] - max);
            sum += p[c];
        }
        for (int c = 0; c < CLASSES; c++) {
            p[c] /= sum;
        }
        return p;
    }

    @Test
    void aKerasSoftmaxModelIsDetectedAsProbabilitiesAndGivesTheSameSoftTargetsAsItsLogits() throws Exception {
        Path dir = keras("softmax", new long[] {-1, 4, 4, 1}, true);
        // Its variables are stored under TF2's object-based keys only: the loader must run the model's own
        // restore op, as for a SavedModel Keras wrote.
        String index = new String(
                java.nio.file.Files.readAllBytes(dir.resolve("variables/variables.index")),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        // (The index shares key prefixes: "layer_with_weights-0/bias/…", then "kernel/…".)
        assertTrue(
                index.contains("layer_with_weights-0/")
                        && index.contains("kernel/.ATTRIBUTES/VARIABLE_VALUE")
                        && !index.contains("sequential/dense_1"),
                index);
        try (SavedModelTeacher t = SavedModelTeacher.open(dir, options(SavedModelTeacher.Output.AUTO), DATA, CLASSES)) {
            assertEquals(SavedModelTeacher.Output.PROBABILITIES, t.resolveOutput(rows, 5));
            assertEquals("conv2d_input", t.inputKey());
            assertEquals("dense_1", t.outputKey());
            float[] logProbs = t.logits(rows, 5);
            float[] logits = expectedLogits(rows, 5, 1, 0);
            for (int r = 0; r < 5; r++) {
                assertArrayEquals(softmax(logits, r), softmax(logProbs, r), 1e-5, "row " + r);
            }
        }
    }

    @Test
    void aLogitsModelIsDetectedAsLogitsAndAFlatInputAndTheInputScaleAreHonoured() throws Exception {
        Path dir = keras("flat-logits", new long[] {-1, 16}, false);
        try (SavedModelTeacher t = SavedModelTeacher.open(
                dir,
                new SavedModelTeacher.Options(
                        "file:" + dir, "serving_default", SavedModelTeacher.Output.AUTO, 255f, -1f),
                DATA,
                CLASSES)) {
            assertEquals(SavedModelTeacher.Output.LOGITS, t.resolveOutput(rows, 5));
            assertArrayEquals(expectedLogits(rows, 5, 255f, -1f), t.logits(rows, 5), 1e-2f);
        }
    }

    @Test
    void aTeacherThatDoesNotFitIsRefusedNamingTheUriTheSignatureAndWhatDiffers() throws Exception {
        Path nhwc = keras("nhwc", new long[] {-1, 4, 4, 1}, true);
        String other = assertThrows(
                        TeacherMismatchException.class,
                        () -> SavedModelTeacher.open(
                                nhwc,
                                new SavedModelTeacher.Options(
                                        "s3a://b/t", "predict", SavedModelTeacher.Output.AUTO, 1, 0),
                                DATA,
                                CLASSES))
                .getMessage();
        assertTrue(
                other.contains("s3a://b/t") && other.contains("'predict'") && other.contains("serving_default"), other);

        String shape = assertThrows(
                        TeacherMismatchException.class,
                        () -> SavedModelTeacher.open(
                                nhwc, options(SavedModelTeacher.Output.AUTO), new int[] {8, 2, 1}, CLASSES))
                .getMessage();
        assertTrue(
                shape.contains("hdfs://nn/teachers/keras")
                        && shape.contains("conv2d_input")
                        && shape.contains("[-1, 4, 4, 1]")
                        && shape.contains("[8, 2, 1]"),
                shape);

        String classes = assertThrows(
                        TeacherMismatchException.class,
                        () -> SavedModelTeacher.open(nhwc, options(SavedModelTeacher.Output.AUTO), DATA, 10))
                .getMessage();
        assertTrue(classes.contains("dense_1") && classes.contains("num_classes 10"), classes);

        Path ints = tmp.resolve("ints");
        KerasLikeSavedModel.write(
                ints, "serving_default", "keras_tensor", new long[] {-1, 16}, "output_0", kernel, true, true);
        String dtype = assertThrows(
                        TeacherMismatchException.class,
                        () -> SavedModelTeacher.open(ints, options(SavedModelTeacher.Output.AUTO), DATA, CLASSES))
                .getMessage();
        assertTrue(dtype.contains("keras_tensor") && dtype.contains("DT_INT32"), dtype);

        String missing = assertThrows(
                        TeacherMismatchException.class,
                        () -> SavedModelTeacher.open(
                                tmp.resolve("nothing"), options(SavedModelTeacher.Output.AUTO), DATA, CLASSES))
                .getMessage();
        assertTrue(missing.contains("hdfs://nn/teachers/keras") && missing.contains("saved_model.pb"), missing);
    }
}
