package io.distillery.serve.tensor;

import io.distillery.serve.status.ServingException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;

/**
 * A SavedModel signature: its inputs and outputs by key, and the checks a request must pass before it
 * reaches TensorFlow. distillery serve runs signatures whose tensors are all {@code DT_FLOAT} (what
 * Distillery exports); others are listed in the metadata but refused with a message.
 *
 * @param name       the signature key, e.g. {@code serving_default}
 * @param methodName e.g. {@code tensorflow/serving/predict}
 * @param inputs     by key, sorted
 * @param outputs    by key, sorted
 */
public record SignatureSpec(
        String name, String methodName, Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs) {

    public SignatureSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(methodName, "methodName");
        inputs = sortedCopy(inputs, "inputs", name);
        outputs = sortedCopy(outputs, "outputs", name);
        if (inputs.isEmpty() || outputs.isEmpty()) {
            throw new IllegalArgumentException(
                    "signature '" + name + "' needs at least one input and one output, found " + inputs.size()
                            + " inputs and " + outputs.size() + " outputs");
        }
    }

    /** Reads one entry of a MetaGraphDef's {@code signature_def} map. */
    public static SignatureSpec of(String name, SignatureDef def) {
        Map<String, TensorSpec> in = new LinkedHashMap<>();
        def.getInputsMap().forEach((key, info) -> in.put(key, TensorSpec.of(key, info)));
        Map<String, TensorSpec> out = new LinkedHashMap<>();
        def.getOutputsMap().forEach((key, info) -> out.put(key, TensorSpec.of(key, info)));
        return new SignatureSpec(name, def.getMethodName(), in, out);
    }

    /** Whether every tensor is {@code DT_FLOAT}, the one type distillery serve feeds and fetches. */
    public boolean runnable() {
        return allFloat(inputs.values()) && allFloat(outputs.values());
    }

    /** Whether requests can be joined into one batch: every tensor is {@code [-1, ...]}. */
    public boolean batchable() {
        return inputs.values().stream().allMatch(TensorSpec::batchedOnFirstDim)
                && outputs.values().stream().allMatch(TensorSpec::batchedOnFirstDim);
    }

    /** The only input key, or a message that the request must name its inputs. */
    public String soleInputKey() throws ServingException {
        if (inputs.size() != 1) {
            throw ServingException.invalid("signature '" + name + "' has " + inputs.size() + " inputs "
                    + inputs.keySet() + "; name each input (an object per instance, or \"inputs\": {\"key\": ...})");
        }
        return inputs.keySet().iterator().next();
    }

    /**
     * Checks a request's inputs: every key of the signature present and no other, each tensor's shape
     * fitting its declaration, and, when batchable, one batch size for all. Returns the batch size (the
     * first dimension, or 1 when the signature is not batchable).
     */
    public int checkInputs(Map<String, FloatTensor> given) throws ServingException {
        requireRunnable();
        List<String> missing =
                inputs.keySet().stream().filter(key -> !given.containsKey(key)).toList();
        List<String> unknown =
                given.keySet().stream().filter(key -> !inputs.containsKey(key)).toList();
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            throw ServingException.invalid("signature '" + name + "' takes inputs " + inputs.keySet()
                    + (missing.isEmpty() ? "" : "; missing " + missing)
                    + (unknown.isEmpty() ? "" : "; unknown " + unknown));
        }
        long batch = -1;
        for (Map.Entry<String, FloatTensor> entry : given.entrySet()) {
            TensorSpec spec = inputs.get(entry.getKey());
            FloatTensor tensor = entry.getValue();
            if (!spec.accepts(tensor.shape())) {
                throw ServingException.invalid("input '" + entry.getKey() + "' of signature '" + name + "' has shape "
                        + spec.shapeText() + ", found " + tensor.shapeText() + withRowHint(spec, tensor));
            }
            if (spec.batchedOnFirstDim()) {
                if (batch >= 0 && tensor.dim(0) != batch) {
                    throw ServingException.invalid(
                            "inputs of signature '" + name + "' must share the first (batch)" + " dimension, found "
                                    + batch + " and " + tensor.dim(0) + " (input '" + entry.getKey() + "')");
                }
                batch = tensor.dim(0);
            }
        }
        if (batch == 0) {
            throw ServingException.invalid("the request holds no instances (batch dimension 0)");
        }
        return batchable() ? (int) batch : 1;
    }

    /** The output keys to return: all, or the filter's, which must all exist. */
    public List<String> selectOutputs(Collection<String> filter) throws ServingException {
        if (filter.isEmpty()) {
            return List.copyOf(outputs.keySet());
        }
        List<String> selected = new ArrayList<>();
        for (String key : filter) {
            if (!outputs.containsKey(key)) {
                throw ServingException.invalid("output_filter names '" + key
                        + "', which is not an output of signature '" + name + "'; outputs are " + outputs.keySet());
            }
            if (!selected.contains(key)) {
                selected.add(key);
            }
        }
        return selected;
    }

    private void requireRunnable() throws ServingException {
        if (!runnable()) {
            throw ServingException.invalid("signature '" + name + "' has tensors " + inputs.values() + " -> "
                    + outputs.values() + "; distillery serve runs DT_FLOAT signatures only");
        }
    }

    private static String withRowHint(TensorSpec spec, FloatTensor tensor) {
        long[] dims = spec.dims();
        if (dims.length == 2 && tensor.rank() == 1 && dims[1] > 0) {
            return " (a single instance must be wrapped in a list: [[...]])";
        }
        return "";
    }

    private static boolean allFloat(Collection<TensorSpec> specs) {
        return specs.stream().allMatch(s -> s.dtype() == DataType.DT_FLOAT);
    }

    private static Map<String, TensorSpec> sortedCopy(Map<String, TensorSpec> map, String what, String name) {
        Objects.requireNonNull(map, what);
        Map<String, TensorSpec> sorted = new TreeMap<>(map);
        sorted.forEach((key, spec) -> {
            if (!key.equals(spec.key())) {
                throw new IllegalArgumentException("signature '" + name + "' " + what + ": key '" + key
                        + "' holds the spec of '" + spec.key() + "'");
            }
        });
        return java.util.Collections.unmodifiableMap(sorted);
    }
}
