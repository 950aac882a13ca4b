package io.distillery.search;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.train.TrainingLoop;
import io.distillery.prune.PruningPlan;
import io.distillery.stage.StagePlan;
import java.io.Serializable;

/**
 * What every trial of a search shares: the student it scales, how it is distilled and pruned (the
 * job's {@code student} and {@code prune} sections, with the trial's own epochs, T, α and sparsity),
 * the teacher the logits came from, and how latency is measured.
 *
 * @param student the configured student, width 1
 * @param distill the distilled student's training; its epochs are replaced by each trial's
 * @param prune the pruning fine-tune's training at the full budget
 * @param pruning the pruning schedule; its final sparsity is replaced by each trial's
 * @param teacher the teacher whose logits {@link TrialData} carries (recorded, not run again)
 * @param latencyCalls timed single-row calls of each trial's artifact
 * @param fullEpochs the search's full distillation budget: a shorter trial (a first rung of successive
 *     halving) gets a pruning fine-tune shortened in proportion
 */
public record TrialSettings(
        ModelSpec student,
        StagePlan.Training distill,
        StagePlan.Training prune,
        PruningPlan pruning,
        StagePlan.TeacherSource teacher,
        int latencyCalls,
        int fullEpochs)
        implements Serializable {

    /**
     * A trial's relative cost, to start the longest first (what keeps every slot busy to the end: the
     * last trials to start are the short ones): the scaled student's parameters times its epochs, and
     * int8's calibration and slower interpreter kernels on top.
     */
    public double estimatedCost(Trial trial) {
        long parameters = StudentFamily.scaled(student, trial.width()).parameterCount();
        int epochs = trial.epochs()
                + (trial.prune() == null ? 0 : pruneFor(trial).loop().epochs());
        return parameters * (double) epochs * (trial.int8() ? 1.5 : 1);
    }

    StagePlan.Training pruneFor(Trial trial) {
        TrainingLoop.Plan l = prune.loop();
        int epochs = Math.max(1, (int) Math.round(l.epochs() * (double) trial.epochs() / fullEpochs));
        return new StagePlan.Training(
                new TrainingLoop.Plan(epochs, l.batchSize(), 0, l.seed()), prune.optimizer(), prune.recipe());
    }

    StagePlan.Training distillFor(Trial trial) {
        TrainingLoop.Plan l = distill.loop();
        return new StagePlan.Training(
                new TrainingLoop.Plan(trial.epochs(), l.batchSize(), 0, l.seed()),
                distill.optimizer(),
                distill.recipe());
    }

    PruningPlan pruningFor(Trial trial) {
        return new PruningPlan(
                pruning.kind(),
                Math.min(pruning.initialSparsity(), trial.sparsity()),
                trial.sparsity(),
                pruning.beginStep(),
                pruning.endStep(),
                pruning.frequency(),
                pruning.power());
    }
}
