package io.distillery.serve.batch;

import java.time.Duration;
import java.util.Objects;

/**
 * How requests are batched; validated where built.
 *
 * @param maxBatchSize      rows in one TensorFlow call, {@code >= 2}; a larger request runs alone
 * @param timeout           how long the first request of a batch waits for others, {@code >= 0}
 * @param threads           batches run at once, {@code >= 1}
 * @param maxQueuedRequests requests waiting before new ones are refused (429), {@code >= 1}
 */
public record BatchingOptions(int maxBatchSize, Duration timeout, int threads, int maxQueuedRequests) {

    public BatchingOptions {
        Objects.requireNonNull(timeout, "timeout");
        if (maxBatchSize < 2) {
            throw new IllegalArgumentException("batching: max batch size must be >= 2, found " + maxBatchSize
                    + " (leave batching off to run every request on its own)");
        }
        if (timeout.isNegative() || timeout.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("batching: timeout must be within [0, 10 s], found " + timeout);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("batching: threads must be >= 1, found " + threads);
        }
        if (maxQueuedRequests < 1) {
            throw new IllegalArgumentException(
                    "batching: max queued requests must be >= 1, found " + maxQueuedRequests);
        }
    }

    /** {@code maxBatchSize} rows, {@code timeout}, one thread per core, 64 full batches of queue. */
    public static BatchingOptions of(int maxBatchSize, Duration timeout) {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        return new BatchingOptions(maxBatchSize, timeout, threads, Math.max(1024, 64 * maxBatchSize));
    }
}
