package io.distillery.prune;

import io.distillery.core.model.Weights;
import io.distillery.core.train.Trainer;
import io.distillery.core.train.TrainingLoop;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Drives magnitude pruning inside a {@link TrainingLoop}: at every update step of the schedule it
 * recomputes the masks from the current weights, zeroes the pruned weights at once and hands the
 * masks to the {@link Trainer}, which re-applies them after every optimizer step until the next
 * update. A listener that starts on a trainer restored past the schedule's begin step takes the
 * masks in force from the restored weights' exact zeros. The trainer must have been built with
 * {@link #maskedVariables} masked.
 */
public final class PruningListener implements TrainingLoop.Listener {
    private final SparsitySchedule schedule;
    private final PruningScope scope;
    private Masks masks;

    public PruningListener(SparsitySchedule schedule, PruningScope scope) {
        this.schedule = schedule;
        this.scope = scope;
    }

    /** The variables a trainer must mask for this scope. */
    public static Set<String> maskedVariables(Weights weights, PruningScope scope) {
        return Set.copyOf(scope.prunableNames(weights));
    }

    @Override
    public void beforeStep(Trainer trainer, long step) {
        if (masks == null && step > schedule.beginStep()) {
            // Resumed from a checkpoint after pruning began: the checkpoint holds the weights, not the
            // masks, but the pruned weights are exact zeros (re-masked after every step), so they give the
            // masks in force back. Without this the run would go on unmasked until the next update, or
            // for good after the last one.
            install(trainer, Masks.fromZeros(trainer.weights(), scope));
        }
        if (schedule.isUpdateStep(step)) {
            install(trainer, Masks.magnitude(trainer.weights(), schedule.sparsityAt(step), scope));
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
        return masks != null ? masks : Masks.all(weights, scope);
    }

    /** The stripped weights: masks folded in, pruned values exactly zero. */
    public Weights strip(Weights weights) {
        return masks(weights).apply(weights);
    }
}
