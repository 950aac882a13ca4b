package io.distillery.export;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.prune.MaskPolicy;
import io.distillery.prune.PruningKind;
import io.distillery.prune.StructuredPruning;
import java.util.List;

/** Models compressed as the pipeline compresses them, for the exporters' tests. */
public final class CompressedModels {
    /** Batch norm after a convolution and a depthwise one, pooling, flatten: every unit path structured pruning cuts. */
    public static final ModelSpec CNN = ModelSpec.of(
            new int[] {12, 12, 2},
            4,
            List.of(
                    "conv2d(8,3,none,same)",
                    "batchnorm(relu)",
                    "dwconv2d(3,1,none,same)",
                    "batchnorm(relu6)",
                    "maxpool(2)",
                    "conv2d(12,3,relu,same)",
                    "flatten",
                    "dense(16,relu)",
                    "dense(4)"));

    private CompressedModels() {}

    /** {@code weights} with half the units of every prunable layer masked, then those units removed. */
    public static StructuredPruning.Shrunk structured(ModelSpec spec, Weights weights) {
        MaskPolicy policy = MaskPolicy.of(PruningKind.STRUCTURED, spec);
        StructuredPruning.Shrunk shrunk =
                StructuredPruning.shrink(spec, policy.at(weights, 0.5).apply(weights));
        if (shrunk.spec().parameterCount() >= spec.parameterCount()) {
            throw new AssertionError("nothing was removed from " + spec);
        }
        return shrunk;
    }

    /** {@code weights} with 2 of every 4 inputs of each non-depthwise kernel kept. */
    public static Weights twoOfFour(ModelSpec spec, Weights weights) {
        return MaskPolicy.of(PruningKind.NM_2_4, spec).at(weights, 0.5).apply(weights);
    }
}
