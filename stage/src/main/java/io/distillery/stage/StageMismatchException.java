package io.distillery.stage;

/** A stored stage result that does not fit the configured stage: a config error, not a crash. */
public final class StageMismatchException extends IllegalArgumentException {
    public StageMismatchException(String message) {
        super(message);
    }
}
