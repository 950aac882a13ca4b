package io.distillery.distill;

/**
 * A teacher the user brought that does not fit the data (no such path or signature, another input
 * shape, dtype or class count): a config error, found before any training.
 */
public final class TeacherMismatchException extends IllegalArgumentException {
    public TeacherMismatchException(String message) {
        super(message);
    }

    public TeacherMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
