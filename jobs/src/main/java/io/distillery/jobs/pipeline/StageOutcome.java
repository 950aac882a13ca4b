package io.distillery.jobs.pipeline;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.core.train.EpochMetrics;
import io.distillery.stage.StagePlan;
import java.util.List;

/**
 * A trained model of a run, as the pipeline keeps it: weights, test accuracy and training record.
 *
 * @param validationAccuracy on the held-out training rows ({@code data.validation_fraction}), or null
 * @param epochs epoch metrics of this run of the stage (empty if it was already done)
 */
public record StageOutcome(
        String stage,
        ModelSpec spec,
        Weights weights,
        double testAccuracy,
        Double validationAccuracy,
        List<EpochMetrics> epochs,
        double seconds) {

    /** Architecture and weights, as a later stage's input. */
    public StagePlan.Model model() {
        return new StagePlan.Model(spec, weights);
    }
}
