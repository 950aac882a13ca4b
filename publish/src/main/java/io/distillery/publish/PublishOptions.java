package io.distillery.publish;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a repository publishes.
 *
 * @param staleAge    leftovers of a publisher (a {@code _staging-*} directory, or an S3 version without
 *                    manifest) whose newest file is at least this old are taken as a killed publisher's
 *                    and deleted by the next publish. It must exceed the longest pause of a live
 *                    publisher (one file's upload); zero is for tests only.
 * @param maxAttempts how many version numbers one publish tries when concurrent publishers take them
 * @param clock       the time source for {@code created} and staleness
 * @param listener    told after each change to the store (progress; tests that stop a publisher)
 */
public record PublishOptions(Duration staleAge, int maxAttempts, Clock clock, PublishListener listener) {

    public static final Duration DEFAULT_STALE_AGE = Duration.ofHours(1);
    public static final int DEFAULT_MAX_ATTEMPTS = 10;

    public PublishOptions {
        Objects.requireNonNull(staleAge, "staleAge");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(listener, "listener");
        if (staleAge.isNegative()) {
            throw new IllegalArgumentException("staleAge must be >= 0, found " + staleAge);
        }
        if (maxAttempts < 1 || maxAttempts > 1000) {
            throw new IllegalArgumentException("maxAttempts must be in [1, 1000], found " + maxAttempts);
        }
    }

    /** One hour stale age, ten attempts, the UTC system clock, no listener. */
    public static PublishOptions defaults() {
        return new PublishOptions(DEFAULT_STALE_AGE, DEFAULT_MAX_ATTEMPTS, Clock.systemUTC(), PublishListener.NONE);
    }

    public PublishOptions withStaleAge(Duration age) {
        return new PublishOptions(age, maxAttempts, clock, listener);
    }

    public PublishOptions withMaxAttempts(int attempts) {
        return new PublishOptions(staleAge, attempts, clock, listener);
    }

    public PublishOptions withClock(Clock newClock) {
        return new PublishOptions(staleAge, maxAttempts, newClock, listener);
    }

    public PublishOptions withListener(PublishListener newListener) {
        return new PublishOptions(staleAge, maxAttempts, clock, newListener);
    }
}
