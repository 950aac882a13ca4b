package io.distillery.jobs.data;

/** The training or test data is unusable; the message names the file, row and field. */
public final class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
