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
 * update. The trainer must have been built with {@link #maskedVariables} masked.
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
    if (!schedule.isUpdateStep(step)) {
      return;
    }
    Weights current = trainer.weights();
    masks = Masks.magnitude(current, schedule.sparsityAt(step), scope);
    Map<String, float[]> values = new LinkedHashMap<>();
    for (String name : masks.names()) {
      values.put(name, masks.floats(name));
    }
    trainer.setMasks(values);
    trainer.load(masks.apply(current));
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
