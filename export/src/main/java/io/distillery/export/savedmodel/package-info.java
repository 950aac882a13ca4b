/** The TensorFlow SavedModel writer: the format TensorFlow Serving and {@code distillery serve} load. */
package io.distillery.export.savedmodel;
