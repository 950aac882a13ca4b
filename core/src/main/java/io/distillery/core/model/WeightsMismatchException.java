package io.distillery.core.model;

/** Stored weights that do not fit the configured architecture; the message names the layer. */
public final class WeightsMismatchException extends IllegalArgumentException {
    public WeightsMismatchException(String message) {
        super(message);
    }
}
