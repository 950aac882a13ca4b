package io.distillery.serve.inference;

import io.distillery.serve.status.ServingException;
import io.distillery.serve.tensor.FloatTensor;
import io.distillery.serve.tensor.SignatureSpec;
import java.util.Map;
import java.util.Objects;

/**
 * A request's input tensors: named by signature key, or one unnamed tensor for a signature with one
 * input (REST's {@code "instances": [[...]]}). Resolved against the signature of the version that runs
 * the request, under the same lease.
 */
public sealed interface RequestInputs {

    /** The tensors by signature input key. */
    Map<String, FloatTensor> resolve(SignatureSpec signature) throws ServingException;

    static RequestInputs named(Map<String, FloatTensor> tensors) {
        return new Named(tensors);
    }

    static RequestInputs sole(FloatTensor tensor) {
        return new Sole(tensor);
    }

    /** Tensors by input key. */
    record Named(Map<String, FloatTensor> tensors) implements RequestInputs {
        public Named {
            tensors = Map.copyOf(tensors);
        }

        @Override
        public Map<String, FloatTensor> resolve(SignatureSpec signature) {
            return tensors;
        }
    }

    /** The value of the signature's only input. */
    record Sole(FloatTensor tensor) implements RequestInputs {
        public Sole {
            Objects.requireNonNull(tensor, "tensor");
        }

        @Override
        public Map<String, FloatTensor> resolve(SignatureSpec signature) throws ServingException {
            return Map.of(signature.soleInputKey(), tensor);
        }
    }
}
