/**
 * Tensors as the server handles them between the wire and TensorFlow: {@link
 * io.distillery.serve.tensor.FloatTensor} (a dense float32 array with its shape), and what a
 * SavedModel signature expects ({@link io.distillery.serve.tensor.TensorSpec}, {@link
 * io.distillery.serve.tensor.SignatureSpec}), read from the model's own {@code SignatureDef}. Every
 * request, REST or gRPC, is checked here against the signature before TensorFlow sees it.
 */
package io.distillery.serve.tensor;
