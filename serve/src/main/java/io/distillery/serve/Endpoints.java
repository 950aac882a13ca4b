package io.distillery.serve;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * Where the server listens.
 *
 * @param host     the address to bind, e.g. {@code 0.0.0.0} (every interface) or {@code 127.0.0.1}
 * @param restPort the REST port (TF Serving's default is 8501); 0 picks a free one
 * @param grpcPort the gRPC port (TF Serving's default is 8500), 0 for a free one, or empty for no gRPC
 */
public record Endpoints(String host, int restPort, OptionalInt grpcPort) {

    public Endpoints {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(grpcPort, "grpcPort");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank; use 0.0.0.0 for every interface");
        }
        requirePort("REST port", restPort);
        if (grpcPort.isPresent()) {
            requirePort("gRPC port", grpcPort.getAsInt());
            if (grpcPort.getAsInt() != 0 && grpcPort.getAsInt() == restPort) {
                throw new IllegalArgumentException(
                        "REST and gRPC need different ports, found " + restPort + " for both");
            }
        }
    }

    /** REST on {@code restPort} and no gRPC, on every interface. */
    public static Endpoints rest(int restPort) {
        return new Endpoints("0.0.0.0", restPort, OptionalInt.empty());
    }

    private static void requirePort(String what, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + " must be within [0, 65535] (0 for a free port), found " + port);
        }
    }
}
