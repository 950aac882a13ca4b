package io.distillery.prune;

import io.distillery.core.model.Weights;
import io.distillery.core.train.Trainer;
import io.distillery.core.train.TrainingLoop;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Drives pruning inside a {@link TrainingLoop}: at every update step of the schedule it asks its
 * {@link MaskPolicy} for the masks at the scheduled sparsity, zeroes the pruned weights at once and hands
 * the masks to the {@link Trainer}, which re-applies them after every optimizer step until the next
 * update. A listener that starts on a trainer restored past the schedule's begin step takes the masks
 * in force from the restored weights' exact zeros. The trainer must have been built with
 * {@link #maskedVariables} masked.
 */
public final class PruningListener implements TrainingLoop.Listener {
    private final SparsitySchedule schedule;
    private final MaskPolicy policy;
    private Masks masks;

    public PruningListener(SparsitySchedule schedule, MaskPolicy policy) {
        if (schedule == null || policy == null) {
            throw new IllegalArgumentException(
                    "pruning needs a schedule and a mask policy, found " + schedule + " and " + policy);
        }
        this.schedule = schedule;
        this.policy = policy;
    }

    /** Unstructured magnitude pruning of the arrays in {@code scope}. */
    public PruningListener(SparsitySchedule schedule, PruningScope scope) {
        this(schedule, MaskPolicy.unstructured(scope));
    }

    /** The variables a trainer must mask for unstructured pruning of {@code scope}. */
    public static Set<String> maskedVariables(Weights weights, PruningScope scope) {
        return maskedVariables(weights, MaskPolicy.unstructured(scope));
    }

    /** The variables a trainer must mask for {@code policy}. */
    public static Set<String> maskedVariables(Weights start, MaskPolicy policy) {
        return policy.maskedVariables(start);
    }

    @Override
    public void beforeStep(Trainer trainer, long step) {
        if (masks == null && step > schedule.beginStep()) {
            // Resumed from a checkpoint after pruning began: the checkpoint holds the weights, not the
            // masks, but the pruned weights are exact zeros (re-masked after every step), so they give the
            // masks in force back. Without this the run would go on unmasked until the next update, or
            // for good after the last one.
            install(trainer, policy.fromZeros(trainer.weights()));
        }
        if (schedule.isUpdateStep(step)) {
            install(trainer, policy.at(trainer.weights(), schedule.sparsityAt(step)));
        }
    }

    private void install(Trainer trainer, Masks next) {
        masks = next;
        Map<String, float[]> values = new LinkedHashMap<>();
        masks.names().forEach(name -> values.put(name, masks.floats(name)));
        trainer.setMasks(values);
        trainer.load(masks.apply(trainer.weights()));
    }

    /** The masks in force now; before the first update, every weight is kept. */
    public Masks masks(Weights weights) {
        return masks != null ? masks : policy.none(weights);
    }

    /** The stripped weights: masks folded in, pruned values exactly zero. */
    public Weights strip(Weights weights) {
        return masks(weights).apply(weights);
    }
}
