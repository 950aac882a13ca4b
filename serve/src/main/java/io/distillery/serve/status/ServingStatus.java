package io.distillery.serve.status;

import io.grpc.Status;

/**
 * Why a request failed, with the HTTP status and gRPC code that TensorFlow Serving answers for it
 * ({@code http_server.cc} maps INVALID_ARGUMENT to 400, NOT_FOUND to 404, RESOURCE_EXHAUSTED to 429).
 */
public enum ServingStatus {
    /** The request is malformed, or does not fit the signature (shape, dtype, keys). */
    INVALID_ARGUMENT(400, Status.Code.INVALID_ARGUMENT),
    /** No such model, version, signature or route. */
    NOT_FOUND(404, Status.Code.NOT_FOUND),
    /** The route exists for another HTTP method. */
    METHOD_NOT_ALLOWED(405, Status.Code.UNIMPLEMENTED),
    /** The body is over the server's limit. */
    PAYLOAD_TOO_LARGE(413, Status.Code.RESOURCE_EXHAUSTED),
    /** The batching queue is full: retry later. */
    RESOURCE_EXHAUSTED(429, Status.Code.RESOURCE_EXHAUSTED),
    /** Something distillery serve does not offer (version labels, classify, regress). */
    UNIMPLEMENTED(501, Status.Code.UNIMPLEMENTED),
    /** No version is loaded yet, or the server is shutting down: retry later. */
    UNAVAILABLE(503, Status.Code.UNAVAILABLE),
    /** The request waited longer than the server's deadline. */
    DEADLINE_EXCEEDED(504, Status.Code.DEADLINE_EXCEEDED),
    /** A failure inside the server; the client sees a generic message, the log has the cause. */
    INTERNAL(500, Status.Code.INTERNAL);

    private final int httpStatus;
    private final Status.Code grpcCode;

    ServingStatus(int httpStatus, Status.Code grpcCode) {
        this.httpStatus = httpStatus;
        this.grpcCode = grpcCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public Status.Code grpcCode() {
        return grpcCode;
    }
}
