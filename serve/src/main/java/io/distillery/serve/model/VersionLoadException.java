package io.distillery.serve.model;

import java.util.Objects;

/**
 * A version that could not be loaded. The message is safe to show in the status API: it names the
 * version and the file, not local paths or credentials.
 */
public final class VersionLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String errorCode;

    /** @param errorCode TensorFlow's error code name for the status API, e.g. {@code DATA_LOSS} */
    public VersionLoadException(String errorCode, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
    }

    public String errorCode() {
        return errorCode;
    }
}
