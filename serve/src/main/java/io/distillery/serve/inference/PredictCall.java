package io.distillery.serve.inference;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One predict request, whatever its wire format.
 *
 * @param modelName     the model asked for
 * @param version       a specific version, or empty for the newest loaded
 * @param signatureName the signature; {@code serving_default} when the client gave none
 * @param inputs        the input tensors, named or the sole one
 * @param outputFilter  output keys to return; empty for all
 */
public record PredictCall(
        String modelName, OptionalLong version, String signatureName, RequestInputs inputs, List<String> outputFilter) {

    /** TF Serving's default signature key. */
    public static final String DEFAULT_SIGNATURE = "serving_default";

    public PredictCall {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(signatureName, "signatureName");
        Objects.requireNonNull(inputs, "inputs");
        outputFilter = List.copyOf(outputFilter);
        if (signatureName.isEmpty()) {
            signatureName = DEFAULT_SIGNATURE;
        }
    }
}
