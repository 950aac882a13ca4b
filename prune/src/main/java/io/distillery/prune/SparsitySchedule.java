package io.distillery.prune;

/**
 * When to recompute the pruning masks and at what target sparsity, with the semantics of TensorFlow
 * Model Optimization's {@code tfmot.sparsity.keras} schedules.
 *
 * <p>Masks are updated at step {@code s} iff {@code s >= beginStep}, {@code s <= endStep} (or
 * {@code endStep == -1}) and {@code (s - beginStep) % frequency == 0}. As in TF-MOT there is no extra
 * update at {@code endStep}: if {@code endStep - beginStep} is not a multiple of {@code frequency},
 * the last update happens before {@code endStep}, at a sparsity a little below the final one.
 */
public sealed interface SparsitySchedule permits SparsitySchedule.ConstantSparsity, SparsitySchedule.PolynomialDecay {

    /** End step of a schedule that prunes until training ends. */
    long NEVER_ENDS = -1;

    /** Whether the masks are recomputed at {@code step}: in [begin, end], every {@code frequency} steps. */
    default boolean isUpdateStep(long step) {
        return ScheduleChecks.inRangeAndOnFrequency(step, beginStep(), endStep(), frequency());
    }

    /** Target fraction of pruned values at {@code step}, in [0, 1). */
    double sparsityAt(long step);

    long beginStep();

    long endStep();

    int frequency();

    /**
     * The same sparsity at every update step in [{@code beginStep}, {@code endStep}].
     *
     * @param endStep last step that may update the masks, or {@link #NEVER_ENDS}; unlike
     *     {@link PolynomialDecay}, {@code endStep == beginStep} is allowed (a one-shot prune), as in TF-MOT
     */
    record ConstantSparsity(double targetSparsity, long beginStep, long endStep, int frequency)
            implements SparsitySchedule {

        public ConstantSparsity {
            ScheduleChecks.sparsity("target_sparsity", targetSparsity);
            ScheduleChecks.beginStep(beginStep);
            if (endStep != NEVER_ENDS && endStep < beginStep) {
                throw new IllegalArgumentException(
                        "prune.end_step must be -1 (prune until training ends) or >= prune.begin_step (" + beginStep
                                + "), found " + endStep);
            }
            ScheduleChecks.frequency(frequency);
        }

        @Override
        public double sparsityAt(long step) {
            return targetSparsity;
        }
    }

    /**
     * Sparsity rising from {@code initialSparsity} at {@code beginStep} to {@code finalSparsity} at
     * {@code endStep}: {@code final + (initial - final) * (1 - p)^power} with
     * {@code p = clamp((step - begin) / (end - begin), 0, 1)} (Zhu and Gupta, arXiv:1710.01878).
     * TF-MOT's default power is 3 ({@link #DEFAULT_POWER}).
     */
    record PolynomialDecay(
            double initialSparsity, double finalSparsity, long beginStep, long endStep, double power, int frequency)
            implements SparsitySchedule {

        public static final double DEFAULT_POWER = 3.0;

        public PolynomialDecay {
            ScheduleChecks.sparsity("initial_sparsity", initialSparsity);
            ScheduleChecks.sparsity("final_sparsity", finalSparsity);
            if (initialSparsity > finalSparsity) {
                throw new IllegalArgumentException("prune.initial_sparsity must be <= prune.final_sparsity ("
                        + finalSparsity + "), found " + initialSparsity);
            }
            ScheduleChecks.beginStep(beginStep);
            if (endStep <= beginStep) {
                throw new IllegalArgumentException("prune.end_step must be > prune.begin_step (" + beginStep
                        + ") for schedule " + "polynomial_decay" + ", found " + endStep);
            }
            if (!(power > 0) || Double.isInfinite(power)) {
                throw new IllegalArgumentException("prune.power must be finite and > 0, found " + power);
            }
            ScheduleChecks.frequency(frequency);
        }

        @Override
        public double sparsityAt(long step) {
            double p = (double) (step - beginStep) / (double) (endStep - beginStep);
            p = Math.min(1.0, Math.max(0.0, p));
            return finalSparsity + (initialSparsity - finalSparsity) * Math.pow(1.0 - p, power);
        }
    }
}
