/**
 * Training rows as Apache Arrow: a worker's {@link io.distillery.core.data.Shard} (features, label and
 * extra columns such as the teacher's logits), batches gathered from it, and their feeding into
 * TensorFlow tensors; the IDX reader of the built-in data set.
 */
package io.distillery.core.data;
