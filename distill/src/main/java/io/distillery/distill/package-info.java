/**
 * Knowledge distillation: the Hinton et al. loss ({@link io.distillery.distill.DistillationLoss}) and
 * the teacher's soft targets attached to a shard ({@link io.distillery.distill.SoftTargets}). The
 * student trains with the ordinary {@link io.distillery.core.train.Trainer}; only the loss differs.
 */
package io.distillery.distill;
