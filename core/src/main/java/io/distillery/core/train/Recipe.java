package io.distillery.core.train;

import java.io.Serializable;

/**
 * What a stage does beyond its optimizer to get the most out of a small model: a learning-rate
 * schedule with warm-up, decoupled weight decay (AdamW's, on kernels only), label smoothing, and image
 * augmentation. Everything here is a function of the step (and the seed), so a resumed stage repeats it
 * exactly.
 *
 * @param warmupEpochs epochs over which the rate rises linearly to the optimizer's; 0 for none
 * @param weightDecay each step, every kernel loses {@code learning rate × weightDecay} of itself
 * @param labelSmoothing ε: the training targets are {@code (1 − ε) · one-hot + ε / classes}
 */
public record Recipe(
        Schedule schedule, int warmupEpochs, double weightDecay, double labelSmoothing, Augmentation augmentation)
        implements Serializable {

    /** Constant rate, no decay, no smoothing, no augmentation: a plain loop. */
    public static final Recipe PLAIN = new Recipe(Schedule.CONSTANT, 0, 0, 0, Augmentation.NONE);

    /** How the learning rate moves after warm-up. */
    public enum Schedule {
        CONSTANT,
        /** Half a cosine from the optimizer's rate down to 0 at the stage's last step (Loshchilov & Hutter). */
        COSINE;

        public static Schedule parse(String name) {
            for (Schedule s : values()) {
                if (s.name().equalsIgnoreCase(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("lr_schedule must be constant or cosine, found '" + name + "'");
        }
    }

    public Recipe {
        if (schedule == null || augmentation == null) {
            throw new IllegalArgumentException("a recipe needs a schedule and an augmentation (NONE for none)");
        }
        if (warmupEpochs < 0) {
            throw new IllegalArgumentException("warmup_epochs must be >= 0, found " + warmupEpochs);
        }
        if (!(weightDecay >= 0 && weightDecay < 1)) {
            throw new IllegalArgumentException("weight_decay must be in [0, 1), found " + weightDecay);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("label_smoothing must be in [0, 1), found " + labelSmoothing);
        }
    }

    /**
     * The learning rate of step {@code step} (from 0) when the optimizer's is {@code base}, in a stage of
     * {@code totalSteps} steps, {@code stepsPerEpoch} per epoch.
     */
    public double learningRate(double base, long step, long stepsPerEpoch, long totalSteps) {
        long warmupSteps = warmupEpochs * stepsPerEpoch;
        if (step < warmupSteps) {
            return base * (step + 1) / warmupSteps;
        }
        if (schedule == Schedule.CONSTANT || totalSteps <= warmupSteps) {
            return base;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
        return base * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
