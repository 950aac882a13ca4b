package io.distillery.prune;

import io.distillery.core.model.Weights;
import java.util.Set;

/** {@link PruningKind#UNSTRUCTURED}: the smallest magnitudes of each array in {@code scope}. */
record UnstructuredPolicy(PruningScope scope) implements MaskPolicy {

    UnstructuredPolicy {
        if (scope == null) {
            throw new IllegalArgumentException("unstructured pruning needs a scope (prune.include), found null");
        }
    }

    @Override
    public Set<String> maskedVariables(Weights start) {
        return Set.copyOf(scope.prunableNames(start));
    }

    @Override
    public Masks at(Weights current, double sparsity) {
        return Masks.magnitude(current, sparsity, scope);
    }

    @Override
    public Masks fromZeros(Weights current) {
        return Masks.fromZeros(current, scope);
    }

    @Override
    public Masks none(Weights current) {
        return Masks.all(current, scope);
    }
}
