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
 * weights, against which loss, and where to report progress and checkpoints.
 *
 * @param initial starting weights, or null for Glorot initialisation from the seed
 * @param teacherSpec teacher architecture for distillation, or null (plain cross-entropy)
 * @param prune pruning settings, or null for no pruning
 * @param stageDir the stage's directory in the run directory
 * @param checkpointEverySteps rank 0 writes a checkpoint every so many steps (0: at epoch ends only)
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
    int checkpointEverySteps)
    implements Serializable {

  public StageRequest {
    if ((teacherSpec == null) != (teacherWeights == null) || (teacherSpec == null) != (distill == null)) {
      throw new IllegalArgumentException(stage + ": teacher spec, weights and distill settings go together");
    }
  }

  public boolean distills() {
    return teacherSpec != null;
  }
}
