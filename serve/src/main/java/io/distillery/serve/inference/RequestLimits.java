package io.distillery.serve.inference;

import java.time.Duration;
import java.util.Objects;

/**
 * What one request may ask of the server; each violation is a 4xx with a message, never a crash.
 *
 * @param maxBodyBytes   REST body and gRPC message size, {@code >= 1 KiB}
 * @param maxInstances   rows (first dimension) per request, {@code >= 1}
 * @param requestTimeout how long a request may wait for its batch, {@code > 0}
 */
public record RequestLimits(long maxBodyBytes, int maxInstances, Duration requestTimeout) {

    /** 32 MiB: about 2,000 instances of 784 floats in JSON. */
    public static final long DEFAULT_MAX_BODY_BYTES = 32L << 20;

    public static final int DEFAULT_MAX_INSTANCES = 1024;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    public RequestLimits {
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (maxBodyBytes < 1024 || maxBodyBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "max body size must be within [1 KiB, 2 GiB), found " + maxBodyBytes + " bytes");
        }
        if (maxInstances < 1) {
            throw new IllegalArgumentException("max instances per request must be >= 1, found " + maxInstances);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be > 0, found " + requestTimeout);
        }
    }

    public static RequestLimits defaults() {
        return new RequestLimits(DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_INSTANCES, DEFAULT_REQUEST_TIMEOUT);
    }
}
