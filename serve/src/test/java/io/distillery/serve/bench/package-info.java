/**
 * The load benchmark of {@code distillery serve} (run it with {@code serve/bench.sh}; not a test):
 * {@link io.distillery.serve.bench.ServeBenchmark} publishes a model, measures in-process TF Java
 * prediction, starts the server with and without batching, and drives it from a separate
 * {@link io.distillery.serve.bench.LoadClient} process on 127.0.0.1.
 */
package io.distillery.serve.bench;
