package io.distillery.serve.status;

import java.util.Objects;

/**
 * A request that cannot be answered. The message goes to the client as is (REST {@code {"error":
 * message}}, gRPC status description), so it names what was expected and what was found, and never
 * carries a stack trace, a local path or a secret.
 */
public final class ServingException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ServingStatus status;

    public ServingException(ServingStatus status, String message) {
        super(Objects.requireNonNull(message, "message"));
        this.status = Objects.requireNonNull(status, "status");
    }

    public ServingException(ServingStatus status, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.status = Objects.requireNonNull(status, "status");
    }

    public ServingStatus status() {
        return status;
    }

    public static ServingException invalid(String message) {
        return new ServingException(ServingStatus.INVALID_ARGUMENT, message);
    }

    public static ServingException notFound(String message) {
        return new ServingException(ServingStatus.NOT_FOUND, message);
    }
}
