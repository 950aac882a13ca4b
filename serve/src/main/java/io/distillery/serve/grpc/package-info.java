/**
 * TensorFlow Serving's gRPC {@code tensorflow.serving.PredictionService} ({@code Predict},
 * {@code GetModelMetadata}) with TF Serving's messages and field numbers, generated at build time from
 * {@code src/main/protobuf}; tensors are TensorFlow's own {@code TensorProto} from TF Java, so an
 * existing TF Serving client works unchanged.
 */
package io.distillery.serve.grpc;
