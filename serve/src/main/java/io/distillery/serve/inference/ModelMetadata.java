package io.distillery.serve.inference;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.tensorflow.proto.SignatureDef;

/**
 * The metadata of one loaded version: TF's own SignatureDefs, as GetModelMetadata returns them.
 *
 * @param modelName     the model
 * @param version       the version described
 * @param signatureDefs every signature but TensorFlow's internal ones, by key
 */
public record ModelMetadata(String modelName, long version, Map<String, SignatureDef> signatureDefs) {

    public ModelMetadata {
        Objects.requireNonNull(modelName, "modelName");
        signatureDefs = Collections.unmodifiableMap(new TreeMap<>(signatureDefs));
    }
}
