package io.distillery.jobs.spark;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.TrainingLoop;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.pipeline.RunDirectory;
import java.io.Serializable;

/**
 * Everything a training task needs, shipped to executors with the task: what to train, from which
 * weights, against which loss, where to report progress and checkpoints, and how a data-parallel
 * stage behaves when a worker is lost.
 *
 * @param initial starting weights, or null for Glorot initialisation from the seed
 * @param teacherSpec teacher architecture for distillation, or null (plain cross-entropy)
 * @param prune pruning settings, or null for no pruning
 * @param stageDir the stage's directory in the run directory
 * @param checkpointEverySteps rank 0 writes a checkpoint every so many steps (0: at epoch ends only)
 * @param maxAttempts runs of the stage before it fails ({@code spark.max_attempts})
 * @param operationTimeoutMs TensorFlow's {@code operation_timeout_in_ms} for data-parallel sessions
 * @param resumeFrom the checkpoint (a file name in {@code <stageDir>/checkpoints}) every worker
 *     starts from, chosen by the driver; null to start from {@code initial}
 */
public record StageRequest(
    String stage,
    ModelSpec spec,
    TrainingLoop.Plan plan,
    OptimizerSpec optimizer,
    Weights initial,
    ModelSpec teacherSpec,
    Weights teacherWeights,
    JobConfig.Distill distill,
    JobConfig.Prune prune,
    RunDirectory stageDir,
    int checkpointEverySteps,
    int maxAttempts,
    long operationTimeoutMs,
    String resumeFrom)
    implements Serializable {

  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final long DEFAULT_OPERATION_TIMEOUT_MS = 120_000;

  public StageRequest {
    if ((teacherSpec == null) != (teacherWeights == null) || (teacherSpec == null) != (distill == null)) {
      throw new IllegalArgumentException(stage + ": teacher spec, weights and distill settings go together");
    }
    if (checkpointEverySteps < 0) {
      throw new IllegalArgumentException(stage + ": checkpoint_every_steps must be >= 0, found " + checkpointEverySteps);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(stage + ": max_attempts must be >= 1, found " + maxAttempts);
    }
    if (operationTimeoutMs <= 0) {
      throw new IllegalArgumentException(stage + ": operation_timeout_ms must be > 0, found " + operationTimeoutMs);
    }
  }

  /** A request with the default retry settings, starting fresh. */
  public StageRequest(
      String stage,
      ModelSpec spec,
      TrainingLoop.Plan plan,
      OptimizerSpec optimizer,
      Weights initial,
      ModelSpec teacherSpec,
      Weights teacherWeights,
      JobConfig.Distill distill,
      JobConfig.Prune prune,
      RunDirectory stageDir,
      int checkpointEverySteps) {
    this(stage, spec, plan, optimizer, initial, teacherSpec, teacherWeights, distill, prune, stageDir,
        checkpointEverySteps, DEFAULT_MAX_ATTEMPTS, DEFAULT_OPERATION_TIMEOUT_MS, null);
  }

  public boolean distills() {
    return teacherSpec != null;
  }

  /** Checkpoint interval, attempts and TF timeout from the job's {@code spark} section. */
  public StageRequest withCluster(JobConfig.Spark spark) {
    return new StageRequest(stage, spec, plan, optimizer, initial, teacherSpec, teacherWeights, distill, prune,
        stageDir, spark.checkpointEverySteps(), spark.maxAttempts(), spark.operationTimeoutMs(), resumeFrom);
  }

  public StageRequest withPlan(TrainingLoop.Plan newPlan) {
    return new StageRequest(stage, spec, newPlan, optimizer, initial, teacherSpec, teacherWeights, distill, prune,
        stageDir, checkpointEverySteps, maxAttempts, operationTimeoutMs, resumeFrom);
  }

  /** @param checkpoint a file name in {@code <stageDir>/checkpoints}, or null to start fresh */
  public StageRequest withResume(String checkpoint) {
    return new StageRequest(stage, spec, plan, optimizer, initial, teacherSpec, teacherWeights, distill, prune,
        stageDir, checkpointEverySteps, maxAttempts, operationTimeoutMs, checkpoint);
  }
}
