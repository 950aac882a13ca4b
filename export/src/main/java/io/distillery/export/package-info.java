/**
 * Writers that turn a {@link io.distillery.core.model.ModelSpec} and its
 * {@link io.distillery.core.model.Weights} into deployable formats, and what they share: the check that
 * the weights fit the spec ({@link io.distillery.export.CheckedWeights}) and the error for a layer a
 * format cannot express ({@link io.distillery.export.UnsupportedLayerException}).
 *
 * <p>Each format lives in its own package ({@code savedmodel}, {@code tflite}, {@code tfjs}) and maps
 * every layer kind explicitly; a layer kind without a mapping fails loudly instead of producing a
 * silently wrong file.
 */
package io.distillery.export;
