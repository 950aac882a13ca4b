/**
 * Pruning without TensorFlow: when to prune, how much, which values, and what it bought.
 *
 * <ul>
 *   <li>{@link io.distillery.prune.SparsitySchedule}: TF Model Optimization's {@code ConstantSparsity}
 *       and {@code PolynomialDecay}, answering "is this an update step?" and "what sparsity now?";
 *   <li>{@link io.distillery.prune.PruningPlan}: the {@code prune} section's schedule keys, made a
 *       schedule once the fine-tuning steps are known; {@link io.distillery.prune.PruningScope}: the
 *       weights pruning may touch (every {@code <layer>/kernel}, never a bias);
 *   <li>{@link io.distillery.prune.TensorMask} and {@link io.distillery.prune.Masks}: keep/prune masks
 *       by magnitude, as 0/1 float arrays for the trainer, and {@link io.distillery.prune.Masks#apply}
 *       which folds masks into weights (strip);
 *   <li>{@link io.distillery.prune.MaskPolicy}: which values a {@link io.distillery.prune.PruningKind}
 *       masks: single weights (unstructured), whole units and filters with what they feed (structured),
 *       or 2 of every 4 inputs ({@link io.distillery.prune.NmSparsity}); driven in a training loop by
 *       {@link io.distillery.prune.PruningListener};
 *   <li>{@link io.distillery.prune.StructuredPruning}: a structurally pruned model cut down to the
 *       smaller model it computes, for export;
 *   <li>{@link io.distillery.prune.SparsityReport}: the zeros actually present and the gzip size gain,
 *       as a table for logs and a map for the manifest.
 * </ul>
 *
 * <p>The trainer's side of the contract: at each step where
 * {@code schedule.isUpdateStep(step)}, compute
 * {@code Masks.magnitude(current, schedule.sparsityAt(step), scope)} from the current (already masked)
 * weights and feed its {@code floats(name)} as the kernel masks; between update steps the masks stay
 * as they are. Because pruned values are exact zeros, they rank lowest at the next update, so a
 * growing sparsity only adds to the pruned set. After the last step, {@code masks.apply(weights)} gives
 * the stripped weights for export. {@code PruningLoopTest} runs exactly this loop.
 */
package io.distillery.prune;
