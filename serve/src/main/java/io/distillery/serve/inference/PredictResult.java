package io.distillery.serve.inference;

import io.distillery.serve.tensor.FloatTensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a predict request answered.
 *
 * @param modelName     the model
 * @param version       the version that ran it
 * @param signatureName the signature that ran
 * @param outputs       tensors by output key, in the signature's key order
 */
public record PredictResult(String modelName, long version, String signatureName, Map<String, FloatTensor> outputs) {

    public PredictResult {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(signatureName, "signatureName");
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("a prediction has at least one output");
        }
    }
}
