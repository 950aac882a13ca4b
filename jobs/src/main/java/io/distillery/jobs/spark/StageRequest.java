package io.distillery.jobs.spark;

import io.distillery.core.train.TrainingLoop;
import io.distillery.jobs.config.JobConfig;
import io.distillery.stage.StagePlan;
import io.distillery.stage.StageStore;
import java.io.Serializable;

/**
 * A {@link StagePlan} and how the cluster runs it, shipped to executors with the task.
 *
 * <p>The cluster settings are checked where they are read ({@link JobConfig.Spark}).
 *
 * @param stageDir the stage's directory in the run directory
 * @param checkpointEverySteps rank 0 writes a checkpoint every so many steps (0: at epoch ends only)
 * @param maxAttempts runs of the stage before it fails ({@code spark.max_attempts})
 * @param operationTimeoutMs TensorFlow's {@code operation_timeout_in_ms} for data-parallel sessions
 * @param resumeFrom the checkpoint (a file name in {@code <stageDir>/checkpoints}) every worker
 *     starts from, chosen by the driver; null to start fresh
 * @param teacherLogits where the teacher's logits for each partition are ({@link TeacherLogits}), for
 *     a stage that learns from a teacher; null otherwise
 */
public record StageRequest(
        StagePlan plan,
        StageStore stageDir,
        int checkpointEverySteps,
        int maxAttempts,
        long operationTimeoutMs,
        String resumeFrom,
        StageStore teacherLogits)
        implements Serializable {

    /** A fresh request with the checkpoint interval, attempts and TF timeout of the job's {@code spark} section. */
    public static StageRequest of(
            StagePlan plan, StageStore stageDir, JobConfig.Spark spark, StageStore teacherLogits) {
        return new StageRequest(
                plan,
                stageDir,
                spark.checkpointEverySteps(),
                spark.maxAttempts(),
                spark.operationTimeoutMs(),
                null,
                teacherLogits);
    }

    public String stage() {
        return plan.name();
    }

    public StageRequest withLoop(TrainingLoop.Plan loop) {
        return new StageRequest(
                plan.withLoop(loop),
                stageDir,
                checkpointEverySteps,
                maxAttempts,
                operationTimeoutMs,
                resumeFrom,
                teacherLogits);
    }

    /** @param checkpoint a file name in {@code <stageDir>/checkpoints}, or null to start fresh */
    public StageRequest withResume(String checkpoint) {
        return new StageRequest(
                plan, stageDir, checkpointEverySteps, maxAttempts, operationTimeoutMs, checkpoint, teacherLogits);
    }
}
