package io.distillery.search;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import java.io.Serializable;
import org.apache.arrow.memory.BufferAllocator;

/**
 * What every trial learns from and is judged on, shipped once to each executor: the training rows with
 * the teacher's logits (scored once per run, never again), the validation rows that choose among
 * trials, the test rows that only report, and rows for int8 calibration.
 *
 * @param train row-major features of the training rows, {@code width} each
 * @param teacherLogits the teacher's logits for those rows, {@code classes} each
 */
public record TrialData(
        int width,
        int classes,
        float[] train,
        int[] trainLabels,
        float[] teacherLogits,
        float[] validation,
        int[] validationLabels,
        float[] test,
        int[] testLabels,
        float[] calibration)
        implements Serializable {

    public TrialData {
        int rows = trainLabels.length;
        if (train.length != (long) rows * width || teacherLogits.length != (long) rows * classes) {
            throw new IllegalArgumentException("search data: " + rows + " training rows need " + rows * width
                    + " features and " + rows * classes + " logits, found " + train.length + " and "
                    + teacherLogits.length);
        }
        if (validationLabels.length == 0) {
            throw new IllegalArgumentException("search data: no validation rows to choose by");
        }
    }

    /** The training rows as an Arrow shard with the teacher's logits (the caller closes it). */
    public Shard shard(BufferAllocator allocator) {
        return Shard.builder(allocator, trainLabels.length)
                .floatColumn(Columns.FEATURES, width)
                .put(Columns.FEATURES, train)
                .floatColumn(Columns.TEACHER_LOGITS, classes)
                .put(Columns.TEACHER_LOGITS, teacherLogits)
                .labels(trainLabels)
                .build();
    }

    public int calibrationRows() {
        return calibration.length / width;
    }
}
