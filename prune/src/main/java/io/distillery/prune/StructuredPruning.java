package io.distillery.prune;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a structurally pruned model into the smaller model it computes: the units whose output is
 * exactly 0 leave the layers, so the export really has fewer units, filters and input rows (a zeroed
 * unit in a full-size layer costs as much as a live one).
 */
public final class StructuredPruning {
    private StructuredPruning() {}

    /** A model and its weights. */
    public record Shrunk(ModelSpec spec, Weights weights) {}

    /**
     * {@code spec} and {@code weights} without the units of prunable layers (see {@link #prunableLayers})
     * that output exactly 0: kernel column and bias zero, and the {@code gamma} and {@code beta} of batch
     * norms and the biases of depthwise convolutions they go through zero too (as the structured masks
     * leave them). Each goes with its kernel column and bias, its slices of those batch norms (all four
     * vectors) and depthwise kernels, and the rows of the next dense or conv2d layer that read it (for a
     * flatten in between, rows {@code (h*W + w)*C + c}). The result computes the same logits, up to
     * float summation order; layer names are unchanged. A layer keeps at least one unit. With nothing to
     * remove, returns {@code spec} and {@code weights} themselves.
     *
     * @throws io.distillery.core.model.WeightsMismatchException if {@code weights} do not fit {@code spec}
     */
    public static Shrunk shrink(ModelSpec spec, Weights weights) {
        spec.checkWeights(weights);
        List<UnitPath> paths = UnitPath.of(spec);
        // Decided on the input weights, before any array is cut.
        List<boolean[]> keeps = new ArrayList<>();
        for (UnitPath path : paths) {
            boolean[] keep = path.carrying(weights);
            if (Slices.count(keep) == 0) {
                keep[0] = true; // a zero unit outputs 0 either way; a layer cannot have none
            }
            keeps.add(keep);
        }
        Map<String, NamedArray> arrays = new LinkedHashMap<>(weights.asMap());
        List<LayerSpec> layers = new ArrayList<>(spec.layers());
        boolean changed = false;
        for (int p = 0; p < paths.size(); p++) {
            UnitPath path = paths.get(p);
            boolean[] keep = keeps.get(p);
            int kept = Slices.count(keep);
            if (kept == path.units()) {
                continue;
            }
            changed = true;
            path.cut(arrays, keep);
            layers.set(path.index(), path.narrowed(layers.get(path.index()), kept));
        }
        if (!changed) {
            return new Shrunk(spec, weights);
        }
        ModelSpec smaller = new ModelSpec(spec.inputShape(), spec.numClasses(), layers);
        Weights cut = new Weights(arrays.values());
        smaller.checkWeights(cut); // a cut that missed an array must fail here, not in an exporter
        return new Shrunk(smaller, cut);
    }

    /**
     * The layers structured pruning may thin, in order: every dense and conv2d layer except the last
     * (the logits) and those whose output channels reach a residual block's start or addition before
     * the next dense or conv2d layer (the channels of a residual stream are shared by its addition).
     */
    public static List<String> prunableLayers(ModelSpec spec) {
        return UnitPath.of(spec).stream().map(UnitPath::layer).toList();
    }
}
