package io.distillery.jobs.failure;

/** A stage was asked to run before the stage whose result it needs. */
public final class MissingStageException extends RuntimeException {
    public MissingStageException(String message) {
        super(message);
    }
}
