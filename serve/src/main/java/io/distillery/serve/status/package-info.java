/**
 * How a request that cannot be answered is classified: one {@link
 * io.distillery.serve.status.ServingStatus} per kind of failure, mapped once to its HTTP status for
 * REST and its status code for gRPC (as TensorFlow Serving maps them), and the {@link
 * io.distillery.serve.status.ServingException} that carries it with a message meant for the client.
 */
package io.distillery.serve.status;
