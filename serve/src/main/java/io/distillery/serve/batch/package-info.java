/**
 * Server-side batching, as TensorFlow Serving's batcher does it: concurrent requests for the same
 * signature of the same version wait up to a timeout in a queue, are joined along the batch dimension
 * into one TensorFlow call of at most a maximum number of rows, and each gets its own rows back.
 */
package io.distillery.serve.batch;
