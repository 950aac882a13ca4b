package io.distillery.prune;

import java.io.Serializable;

/**
 * The pruning a fine-tuning stage applies: the one model of the {@code prune} section's schedule keys,
 * turned into a {@link SparsitySchedule} once the number of fine-tuning steps is known.
 *
 * @param endStep last step of the ramp, or -1 for two thirds of the fine-tuning (the last third
 *     recovers accuracy at the final sparsity); for {@link Kind#CONSTANT}, -1 prunes until the end
 */
public record PruningPlan(
        Kind kind,
        double initialSparsity,
        double finalSparsity,
        long beginStep,
        long endStep,
        int frequency,
        double power)
        implements Serializable {

    /** Sparsity schedules, spelt as in the config. */
    public enum Kind {
        CONSTANT("constant"),
        POLYNOMIAL_DECAY("polynomial_decay");

        private final String key;

        Kind(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static Kind parse(String key) {
            for (Kind k : values()) {
                if (k.key.equals(key)) {
                    return k;
                }
            }
            throw new IllegalArgumentException(
                    "prune.schedule must be constant or polynomial_decay, found '" + key + "'");
        }
    }

    /**
     * Mask updates a polynomial ramp gets at least. On small data the default frequency (100 steps)
     * can leave one update: 0 → 80 % at once, which lost 15 points on 1,797 rows where a gradual ramp
     * loses about one.
     */
    public static final int MIN_MASK_UPDATES = 10;

    public PruningPlan {
        if (kind == null) {
            throw new IllegalArgumentException("prune.schedule must be constant or polynomial_decay, found null");
        }
        ScheduleChecks.sparsity("initial_sparsity", initialSparsity);
        ScheduleChecks.sparsity("final_sparsity", finalSparsity);
        if (initialSparsity > finalSparsity) {
            throw new IllegalArgumentException("prune.initial_sparsity (" + initialSparsity
                    + ") must be <= prune.final_sparsity (" + finalSparsity + ")");
        }
        ScheduleChecks.beginStep(beginStep);
        if (endStep != -1 && endStep <= beginStep) {
            throw new IllegalArgumentException("prune.end_step (" + endStep + ") must be > prune.begin_step ("
                    + beginStep + "), or -1 for two thirds of the fine-tuning");
        }
        ScheduleChecks.frequency(frequency);
        if (!(power > 0) || Double.isInfinite(power)) {
            throw new IllegalArgumentException("prune.power must be finite and > 0, found " + power);
        }
    }

    /** The last step of a polynomial ramp: {@code end_step}, or two thirds of the fine-tuning for -1. */
    public long rampEnd(long totalSteps) {
        return endStep == -1 ? beginStep + (totalSteps - beginStep) * 2 / 3 : endStep;
    }

    /** {@code frequency}, lowered so that a ramp of {@code rampSteps} gets {@value #MIN_MASK_UPDATES} updates. */
    public int maskFrequency(long rampSteps) {
        if (rampSteps / frequency >= MIN_MASK_UPDATES) {
            return frequency;
        }
        return (int) Math.max(1, rampSteps / MIN_MASK_UPDATES);
    }

    /**
     * The schedule over {@code epochs × stepsPerEpoch} fine-tuning steps.
     *
     * @throws IllegalArgumentException naming the keys, when the schedule does not fit those steps
     */
    public SparsitySchedule schedule(int epochs, int stepsPerEpoch) {
        long total = (long) epochs * stepsPerEpoch;
        if (kind == Kind.CONSTANT) {
            return new SparsitySchedule.ConstantSparsity(finalSparsity, beginStep, endStep, frequency);
        }
        long end = rampEnd(total);
        int every = maskFrequency(end - beginStep);
        // Masks change only on steps begin + k·frequency: align the end to one, or the final sparsity
        // would never be reached.
        long span = (end - beginStep) / every * every;
        if (span <= 0 || beginStep + span >= total) {
            throw new IllegalArgumentException(
                    "prune: the schedule needs prune.begin_step + prune.frequency <= prune.end_step < the " + total
                            + " fine-tuning steps (prune.epochs " + epochs + " × " + stepsPerEpoch
                            + " steps per epoch);"
                            + " found prune.begin_step " + beginStep + ", prune.end_step " + endStep
                            + (endStep == -1 ? " (two thirds of the fine-tuning: " + end + ")" : "")
                            + ", prune.frequency " + frequency
                            + "; lower prune.end_step or prune.frequency, or raise prune.epochs");
        }
        return new SparsitySchedule.PolynomialDecay(
                initialSparsity, finalSparsity, beginStep, beginStep + span, power, every);
    }
}
