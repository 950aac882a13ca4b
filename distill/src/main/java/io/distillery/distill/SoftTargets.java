package io.distillery.distill;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Predictor;
import io.distillery.core.model.Weights;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.proto.ConfigProto;

/**
 * A teacher's logits for every example of a shard, computed once before the student trains (the
 * teacher is frozen, so re-running it every epoch would only cost time) and attached to the shard as
 * the column {@value Columns#TEACHER_LOGITS}.
 */
public final class SoftTargets {
    private SoftTargets() {}

    /** A new shard: {@code shard}'s columns plus the teacher's logits. The caller closes both. */
    public static Shard attach(Shard shard, ModelSpec teacher, Weights teacherWeights, int batchSize) {
        return attach(shard, teacher, teacherWeights, batchSize, null);
    }

    /** The same, the teacher's session made with {@code session} (null: TensorFlow's defaults). */
    public static Shard attach(
            Shard shard, ModelSpec teacher, Weights teacherWeights, int batchSize, ConfigProto session) {
        int rows = shard.rows();
        int width = shard.width(Columns.FEATURES);
        int classes = teacher.numClasses();
        float[] features = shard.floats(Columns.FEATURES);
        float[] logits = new float[rows * classes];
        try (Predictor predictor = new Predictor(teacher, teacherWeights, session)) {
            for (int start = 0; start < rows; start += batchSize) {
                int n = Math.min(batchSize, rows - start);
                float[] chunk = java.util.Arrays.copyOfRange(features, start * width, (start + n) * width);
                System.arraycopy(predictor.logits(chunk, n), 0, logits, start * classes, n * classes);
            }
        }
        return shard.withColumn(Columns.TEACHER_LOGITS, classes, logits);
    }

    /**
     * A new shard with the mean logits (or log-probabilities) of brought teachers, each loaded from its
     * local copy in {@code dirs} once and closed before the student trains.
     */
    public static Shard attach(
            Shard shard,
            List<SavedModelTeacher.Options> teachers,
            List<Path> dirs,
            int[] dataShape,
            int classes,
            int batchSize,
            ConfigProto session) {
        int rows = shard.rows();
        int width = shard.width(Columns.FEATURES);
        float[] features = shard.floats(Columns.FEATURES);
        float[] logits = new float[rows * classes];
        for (int t = 0; t < teachers.size(); t++) {
            try (SavedModelTeacher teacher =
                    SavedModelTeacher.open(dirs.get(t), teachers.get(t), dataShape, classes, session)) {
                for (int start = 0; start < rows; start += batchSize) {
                    int n = Math.min(batchSize, rows - start);
                    float[] chunk = Arrays.copyOfRange(features, start * width, (start + n) * width);
                    float[] out = teacher.logits(chunk, n);
                    for (int i = 0; i < out.length; i++) {
                        logits[start * classes + i] += out[i] / teachers.size();
                    }
                }
            }
        }
        return shard.withColumn(Columns.TEACHER_LOGITS, classes, logits);
    }
}
