package io.distillery.serve.model;

import java.util.Objects;

/**
 * What the status API says about one version, in TensorFlow Serving's terms.
 *
 * @param version      the version number
 * @param state        where it is in its life
 * @param errorCode    TensorFlow's error code name, {@code OK} unless loading failed (then e.g.
 *                     {@code DATA_LOSS} for a hash mismatch, {@code UNKNOWN} for TensorFlow's refusal)
 * @param errorMessage empty unless loading failed; says why, without local paths or secrets
 */
public record VersionReport(long version, ServingState state, String errorCode, String errorMessage) {

    public VersionReport {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(errorCode, "errorCode");
        Objects.requireNonNull(errorMessage, "errorMessage");
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, found " + version);
        }
        if (errorCode.equals("OK") != errorMessage.isEmpty()) {
            throw new IllegalArgumentException("version " + version + ": error code " + errorCode + " and message '"
                    + errorMessage + "' disagree; OK has no message");
        }
    }

    public static VersionReport of(long version, ServingState state) {
        return new VersionReport(version, state, "OK", "");
    }

    public static VersionReport failed(long version, String errorCode, String message) {
        return new VersionReport(version, ServingState.END, errorCode, message);
    }
}
