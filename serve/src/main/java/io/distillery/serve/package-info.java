/**
 * {@code distillery serve}: a model server speaking TensorFlow Serving's REST and gRPC APIs over the
 * versions that Distillery publishes. {@link io.distillery.serve.ModelServer} wires the parts together
 * from validated {@link io.distillery.serve.ServeOptions}: the version watcher and loader
 * ({@code model}), batching ({@code batch}), the shared predict path ({@code inference}), the front
 * ends ({@code rest}, {@code grpc}) and the metrics ({@code metrics}).
 */
package io.distillery.serve;
