package io.distillery.jobs.failure;

/**
 * A model that trained but is not good enough to publish (for example a pruned student that lost
 * more accuracy than {@code prune.max_accuracy_drop}): the command exits 6 and nothing is published.
 */
public final class QualityGateException extends RuntimeException {
    public QualityGateException(String message) {
        super(message);
    }
}
