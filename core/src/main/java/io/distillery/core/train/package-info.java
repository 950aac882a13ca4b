/**
 * Training with TensorFlow Java: a model, its loss and optimizer in one graph and session
 * ({@link io.distillery.core.train.Trainer}), epochs of shuffled batches
 * ({@link io.distillery.core.train.TrainingLoop}), checkpoints, and data-parallel training over
 * TensorFlow's collective runtime ({@link io.distillery.core.train.CollectiveWorker},
 * {@link io.distillery.core.train.CollectiveReducer}), with no thread per step and one server per
 * worker for all stages.
 */
package io.distillery.core.train;
