/**
 * TensorFlow.js export: a layers model ({@code model.json} in Keras 2 style plus little-endian float32
 * weight shards) that {@code tf.loadLayersModel} of {@code @tensorflow/tfjs} loads, and {@link
 * io.distillery.export.tfjs.TfjsRunner}, which runs one in Node to measure what a browser would
 * compute.
 *
 * <p>The model takes the same flat input as every other format, {@code [batch, inputSize]}; for an
 * image spec ({@code [H, W, C]}) a Keras {@code Reshape} layer named {@code input_nhwc} follows the
 * {@code InputLayer}. Layer names are the spec's stable names, so the weights are exactly {@code
 * <layer>/kernel} and {@code <layer>/bias}; a final {@code Activation} layer named {@code probabilities}
 * applies softmax to the logits. Each layer kind and activation maps explicitly through {@code
 * TfjsMapping}.
 */
package io.distillery.export.tfjs;
