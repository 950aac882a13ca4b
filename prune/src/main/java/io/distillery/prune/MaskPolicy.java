package io.distillery.prune;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import java.io.Serializable;
import java.util.Set;

/**
 * Which values a pruning fine-tune masks, and how it picks them: one per {@link PruningKind}. The
 * {@link PruningListener} asks it for masks at every update step of the schedule; the trainer
 * multiplies {@link #maskedVariables} by them after every optimizer step.
 */
public interface MaskPolicy extends Serializable {

    /** The variables the trainer must multiply by a 0/1 mask after every step. */
    Set<String> maskedVariables(Weights start);

    /**
     * Masks that prune {@code sparsity} of what this policy ranks, from the current weights.
     *
     * @throws IllegalArgumentException if {@code sparsity} is outside [0, 1) or a ranked value is NaN
     */
    Masks at(Weights current, double sparsity);

    /**
     * The masks in force when {@code current} was saved, from its exact zeros: how a fine-tune resumed
     * from a checkpoint (which holds weights, not masks) gets them back.
     */
    Masks fromZeros(Weights current);

    /** Masks that keep everything, for every masked variable. */
    Masks none(Weights current);

    /**
     * The policy of {@code kind} for {@code spec}.
     *
     * @throws IllegalArgumentException if {@code kind} is {@link PruningKind#STRUCTURED} and no layer of
     *     {@code spec} can lose units
     */
    static MaskPolicy of(PruningKind kind, ModelSpec spec) {
        if (kind == null) {
            throw new IllegalArgumentException("prune.kind must be unstructured, structured or 2:4, found null");
        }
        if (kind == PruningKind.UNSTRUCTURED) {
            return unstructured(PruningScope.KERNELS);
        } else if (kind == PruningKind.STRUCTURED) {
            return new StructuredPolicy(spec);
        }
        return NmPolicy.of(spec);
    }

    /** Magnitude pruning of single values of the arrays in {@code scope}, each ranked on its own. */
    static MaskPolicy unstructured(PruningScope scope) {
        return new UnstructuredPolicy(scope);
    }
}
