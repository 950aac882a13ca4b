package io.distillery.search;

import io.distillery.prune.PruningKind;
import java.io.Serializable;
import java.util.Locale;

/**
 * One point of a search: how wide the student is, how it is taught, pruned and stored, and for how
 * many epochs it is distilled. Its {@link #id()} names its folder in the run directory, so a rerun
 * finds a finished trial by its settings alone.
 *
 * @param width the student family's width multiplier: units of hidden dense layers and filters of
 *     convolutions are scaled by it
 * @param prune how the distilled student is pruned while fine-tuned, or null for not at all
 * @param sparsity the final sparsity of that pruning (0 without pruning)
 * @param int8 whether the artifact is the int8 TFLite file (else float32)
 * @param epochs distillation epochs: the trial's budget (successive halving gives short ones first)
 */
public record Trial(
        double width, double temperature, double alpha, PruningKind prune, double sparsity, boolean int8, int epochs)
        implements Serializable {

    public Trial {
        if (!(width > 0 && width <= 4)) {
            throw new IllegalArgumentException("search: width multiplier must be in (0, 4], found " + width);
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("search: temperature must be > 0, found " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("search: alpha must be in [0, 1], found " + alpha);
        }
        if (prune == null ? sparsity != 0 : !(sparsity > 0 && sparsity < 1)) {
            throw new IllegalArgumentException(
                    "search: sparsity must be in (0, 1) with pruning and 0 without, found " + sparsity);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("search: epochs must be >= 1, found " + epochs);
        }
    }

    /** A name safe in any file system path, e.g. {@code w0.50-T2.0-a0.50-structured0.50-int8-e10}. */
    public String id() {
        return String.format(
                Locale.ROOT,
                "w%.2f-T%.2f-a%.2f-%s-%s-e%d",
                width,
                temperature,
                alpha,
                prune == null
                        ? "dense"
                        : prune.name().toLowerCase(Locale.ROOT).replace('_', '-')
                                + String.format(Locale.ROOT, "%.2f", sparsity),
                int8 ? "int8" : "float",
                epochs);
    }

    /** The same settings with another epoch budget (a later rung of successive halving). */
    public Trial withEpochs(int newEpochs) {
        return new Trial(width, temperature, alpha, prune, sparsity, int8, newEpochs);
    }

    /** The settings without the budget: what successive halving promotes from rung to rung. */
    public String settingsKey() {
        return withEpochs(1).id().replaceFirst("-e1$", "");
    }
}
