package io.distillery.prune;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@link PruningKind#NM_2_4}: N:M groups ({@link NmSparsity}) in every kernel but the depthwise ones,
 * whose input axis holds one channel's window, not inputs a dot product sums (no sparse kernel for them).
 * Projected shortcuts' kernels ({@code add_N/kernel}) are included.
 */
record NmPolicy(List<String> kernels) implements MaskPolicy {

    NmPolicy {
        kernels = List.copyOf(kernels);
    }

    static NmPolicy of(ModelSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("2:4 pruning needs the model, found null");
        }
        Set<String> depthwise = new LinkedHashSet<>();
        spec.namedLayers().stream()
                .filter(l -> l.spec() instanceof LayerSpec.DepthwiseConv2D)
                .forEach(l -> depthwise.add(l.name() + "/kernel"));
        return new NmPolicy(spec.variableShapes().keySet().stream()
                .filter(n -> n.endsWith("/kernel") && !depthwise.contains(n))
                .toList());
    }

    @Override
    public Set<String> maskedVariables(Weights start) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(kernels));
    }

    @Override
    public Masks at(Weights current, double sparsity) {
        return build(current, name -> NmSparsity.mask(current.get(name), sparsity));
    }

    @Override
    public Masks fromZeros(Weights current) {
        return build(current, name -> TensorMask.fromZeros(current.get(name)));
    }

    @Override
    public Masks none(Weights current) {
        return build(current, name -> TensorMask.keepAll(current.get(name)));
    }

    private Masks build(Weights weights, Function<String, TensorMask> maskOf) {
        Map<String, TensorMask> masks = new LinkedHashMap<>();
        kernels.forEach(name -> masks.put(name, maskOf.apply(name)));
        return new Masks(masks);
    }
}
