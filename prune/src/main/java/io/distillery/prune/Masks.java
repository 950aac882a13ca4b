package io.distillery.prune;

import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One {@link TensorMask} per prunable weight array, by name, in the order of the weights. Arrays
 * without a mask pass through {@link #apply} unchanged: for unstructured pruning, those outside the
 * {@link PruningScope} (biases always); the other {@link MaskPolicy} kinds choose their own arrays.
 */
public record Masks(Map<String, TensorMask> byName) {

    public Masks {
        byName.forEach((name, mask) -> {
            if (!name.equals(mask.name())) {
                throw new IllegalArgumentException("mask stored under '" + name + "' is named '" + mask.name() + "'");
            }
        });
        byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
    }

    /** Magnitude masks at {@code sparsity} for every {@code <layer>/kernel}. */
    public static Masks magnitude(Weights current, double sparsity) {
        return magnitude(current, sparsity, PruningScope.KERNELS);
    }

    /**
     * Per array in {@code scope}, prunes the {@code floor(sparsity * n)} values of smallest magnitude
     * (see {@link TensorMask#magnitude}). Each array is ranked on its own, as in TF-MOT.
     *
     * @throws IllegalArgumentException if {@code scope} matches no array of {@code current}
     */
    public static Masks magnitude(Weights current, double sparsity, PruningScope scope) {
        return build(current, scope, a -> TensorMask.magnitude(a, sparsity));
    }

    /** Masks that prune nothing, for every {@code <layer>/kernel}. */
    public static Masks all(Weights weights) {
        return all(weights, PruningScope.KERNELS);
    }

    /** Masks that prune nothing, for every array in {@code scope}. */
    public static Masks all(Weights weights, PruningScope scope) {
        return build(weights, scope, TensorMask::keepAll);
    }

    /** The masks that pruned {@code weights}: exact zeros in arrays in {@code scope} count as pruned. */
    public static Masks fromZeros(Weights weights, PruningScope scope) {
        return build(weights, scope, TensorMask::fromZeros);
    }

    /**
     * Folds the masks into {@code weights} (strip): pruned values become exactly 0, arrays without a
     * mask are unchanged. The input is not modified.
     *
     * @throws IllegalArgumentException if a masked array is missing from {@code weights} or has another
     *     shape
     */
    public Weights apply(Weights weights) {
        for (String name : byName.keySet()) {
            if (!weights.contains(name)) {
                throw new IllegalArgumentException("mask for " + name + " has no weight to apply to; weights have "
                        + weights.asMap().keySet());
            }
        }
        List<NamedArray> out = new ArrayList<>(weights.asMap().size());
        for (NamedArray a : weights.asMap().values()) {
            TensorMask mask = byName.get(a.name());
            out.add(mask == null ? a : mask.apply(a));
        }
        return new Weights(out);
    }

    /** The masked array names, in weight order. */
    public Set<String> names() {
        return byName.keySet();
    }

    public TensorMask get(String name) {
        TensorMask mask = byName.get(name);
        if (mask == null) {
            throw new IllegalArgumentException("no mask for " + name + "; masks cover " + byName.keySet());
        }
        return mask;
    }

    /** The mask of {@code name} as 0/1 floats, row-major, to feed the graph. */
    public float[] floats(String name) {
        return get(name).floats();
    }

    /** Fraction of pruned entries over all masked arrays; 0 if they are empty. */
    public double sparsity() {
        long size = 0;
        long pruned = 0;
        for (TensorMask m : byName.values()) {
            size += m.size();
            pruned += m.prunedCount();
        }
        return size == 0 ? 0.0 : (double) pruned / size;
    }

    private static Masks build(Weights weights, PruningScope scope, Function<NamedArray, TensorMask> maskOf) {
        List<String> names = scope.prunableNames(weights);
        if (names.isEmpty()) {
            throw new IllegalArgumentException(
                    "prune.include '" + scope.include() + "' matches no prunable weight (biases never are); "
                            + "weights have " + weights.asMap().keySet());
        }
        Map<String, TensorMask> masks = new LinkedHashMap<>();
        for (String name : names) {
            masks.put(name, maskOf.apply(weights.get(name)));
        }
        return new Masks(masks);
    }
}
