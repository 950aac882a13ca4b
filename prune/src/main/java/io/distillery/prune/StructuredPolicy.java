package io.distillery.prune;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * {@link PruningKind#STRUCTURED}: whole units of dense layers and whole filters of conv2d layers, the
 * weakest of each layer by kernel-column L2 norm or by the {@code |gamma|} of the batch norm after it.
 * Which layers, and which arrays a removed unit is zeroed in: {@link UnitPath}.
 */
final class StructuredPolicy implements MaskPolicy {
    private static final long serialVersionUID = 1L;

    private final ModelSpec spec;
    private final List<UnitPath> paths;

    StructuredPolicy(ModelSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("structured pruning needs the model, found null");
        }
        this.spec = spec;
        this.paths = UnitPath.of(spec);
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("prune.kind structured: no layer of " + spec.layers()
                    + " can lose units (the logits layer keeps its classes, and a layer feeding a residual"
                    + " block's start or addition keeps the channels it shares); use prune.kind unstructured or 2:4");
        }
    }

    @Override
    public Set<String> maskedVariables(Weights start) {
        Set<String> names = new LinkedHashSet<>();
        paths.forEach(p -> names.addAll(p.maskedNames()));
        return Collections.unmodifiableSet(names);
    }

    @Override
    public Masks at(Weights current, double sparsity) {
        return build(current, (path, w) -> path.strongest(w, sparsity));
    }

    @Override
    public Masks fromZeros(Weights current) {
        // The masks zero a pruned unit's whole kernel column; a kept column is never all zero in practice.
        return build(current, UnitPath::live);
    }

    @Override
    public Masks none(Weights current) {
        return build(current, (path, w) -> {
            boolean[] keep = new boolean[path.units()];
            Arrays.fill(keep, true);
            return keep;
        });
    }

    private Masks build(Weights weights, BiFunction<UnitPath, Weights, boolean[]> keep) {
        spec.checkWeights(weights);
        Map<String, TensorMask> byName = new LinkedHashMap<>();
        for (UnitPath path : paths) {
            byName.putAll(path.masks(weights, keep.apply(path, weights)));
        }
        // In weight order, as Masks documents.
        Map<String, TensorMask> ordered = new LinkedHashMap<>();
        for (String name : weights.asMap().keySet()) {
            if (byName.containsKey(name)) {
                ordered.put(name, byName.get(name));
            }
        }
        return new Masks(ordered);
    }
}
