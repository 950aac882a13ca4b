package io.distillery.prune;

import static io.distillery.prune.SparsityScheduleTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Structured masks at 50 % applied to random weights, then shrunk: the smaller model has the expected
 * layers and computes the masked model's logits (real TensorFlow on both sides).
 */
class StructuredPruningTest {

    @Test
    void mlpLosesTheWeakestHalfOfItsHiddenUnitsByKernelNorm() {
        ModelSpec spec = Models.MLP;
        Weights w = Models.randomized(spec, 1);
        MaskPolicy policy = MaskPolicy.of(PruningKind.STRUCTURED, spec);
        assertEquals(
                List.of("dense_1/kernel", "dense_1/bias", "dense_2/kernel", "dense_2/bias"),
                List.copyOf(policy.maskedVariables(w)));

        Masks masks = policy.at(w, 0.5);
        boolean[] keep = masks.get("dense_1/bias").keep();
        double[] norms = Slices.sumsOfSquares(w.get("dense_1/kernel"), 1);
        assertEquals(Models.largest(norms, 32), Models.kept(keep));

        Weights masked = masks.apply(w);
        StructuredPruning.Shrunk shrunk = StructuredPruning.shrink(spec, masked);
        assertEquals(
                "[dense(32,relu), dense(16,relu), dense(10)]",
                shrunk.spec().layers().toString());
        assertArrayEquals(
                new long[] {784, 32}, shrunk.weights().get("dense_1/kernel").shape());
        assertArrayEquals(
                new long[] {32, 16}, shrunk.weights().get("dense_2/kernel").shape());
        assertArrayEquals(
                new long[] {16, 10}, shrunk.weights().get("dense_3/kernel").shape());
        assertArrayEquals(
                masked.get("dense_3/bias").values(),
                shrunk.weights().get("dense_3/bias").values());
        Models.assertSameLogits(spec, masked, shrunk.spec(), shrunk.weights());
    }

    @Test
    void cnnFiltersFollowBatchNormGammaThroughTheDepthwiseConvolutionAndTheFlatten() {
        ModelSpec spec = Models.CNN;
        Weights w = Models.randomized(spec, 2);
        MaskPolicy policy = MaskPolicy.of(PruningKind.STRUCTURED, spec);
        assertEquals(List.of("conv2d_1", "conv2d_2", "dense_1"), StructuredPruning.prunableLayers(spec));
        assertEquals(
                List.of(
                        "conv2d_1/kernel", "conv2d_1/bias",
                        "batchnorm_1/gamma", "batchnorm_1/beta",
                        "dwconv2d_1/kernel", "dwconv2d_1/bias",
                        "batchnorm_2/gamma", "batchnorm_2/beta",
                        "conv2d_2/kernel", "conv2d_2/bias",
                        "dense_1/kernel", "dense_1/bias"),
                List.copyOf(policy.maskedVariables(w)));

        Masks masks = policy.at(w, 0.5);
        // A batch norm right after the convolution ranks its filters by |gamma|.
        double[] gamma = new double[8];
        for (int c = 0; c < 8; c++) {
            gamma[c] = Math.abs(w.get("batchnorm_1/gamma").values()[c]);
        }
        List<Integer> kept = Models.largest(gamma, 4);
        assertEquals(kept, Models.kept(masks.get("conv2d_1/bias").keep()));
        for (String channelwise : List.of("batchnorm_1/gamma", "dwconv2d_1/bias", "batchnorm_2/beta")) {
            assertEquals(kept, Models.kept(masks.get(channelwise).keep()), channelwise);
        }

        Weights masked = masks.apply(w);
        StructuredPruning.Shrunk shrunk = StructuredPruning.shrink(spec, masked);
        assertEquals(
                "[conv2d(4,3,none,same), batchnorm(relu), dwconv2d(3,1,none,same), batchnorm(relu6), maxpool(2),"
                        + " conv2d(6,3,relu,same), flatten, dense(8,relu), dense(4)]",
                shrunk.spec().layers().toString());
        Weights s = shrunk.weights();
        assertArrayEquals(new long[] {3, 3, 4, 1}, s.get("dwconv2d_1/kernel").shape());
        assertArrayEquals(new long[] {4}, s.get("batchnorm_2/moving_variance").shape());
        assertArrayEquals(new long[] {3, 3, 4, 6}, s.get("conv2d_2/kernel").shape());
        assertArrayEquals(new long[] {6 * 6 * 6, 8}, s.get("dense_1/kernel").shape());
        assertArrayEquals(new long[] {8, 4}, s.get("dense_2/kernel").shape());
        // The kept filters' moving statistics come along, in order.
        float[] means = masked.get("batchnorm_1/moving_mean").values();
        float[] keptMeans = new float[4];
        for (int i = 0; i < 4; i++) {
            keptMeans[i] = means[kept.get(i)];
        }
        assertArrayEquals(keptMeans, s.get("batchnorm_1/moving_mean").values());
        Models.assertSameLogits(spec, masked, shrunk.spec(), s);
    }

    @Test
    void depthwiseMultiplierAndAFlattenAfterPoolingCarryEveryChannelOfAFilter() {
        ModelSpec spec = ModelSpec.of(
                new int[] {6, 6, 2},
                3,
                List.of(
                        "conv2d(4,3,relu,same)",
                        "dwconv2d(3,2,relu,same)",
                        "batchnorm",
                        "avgpool(2)",
                        "flatten",
                        "dropout(0.1)",
                        "dense(5,relu)",
                        "dense(3)"));
        Weights w = Models.randomized(spec, 3);
        Masks masks = MaskPolicy.of(PruningKind.STRUCTURED, spec).at(w, 0.5);
        Weights masked = masks.apply(w);
        StructuredPruning.Shrunk shrunk = StructuredPruning.shrink(spec, masked);
        assertEquals(
                "[conv2d(2,3,relu,same), dwconv2d(3,2,relu,same), batchnorm, avgpool(2), flatten, dropout(0.1),"
                        + " dense(3,relu), dense(3)]",
                shrunk.spec().layers().toString());
        assertArrayEquals(
                new long[] {3, 3, 2, 2},
                shrunk.weights().get("dwconv2d_1/kernel").shape());
        assertArrayEquals(
                new long[] {4}, shrunk.weights().get("batchnorm_1/gamma").shape());
        assertArrayEquals(
                new long[] {3 * 3 * 4, 3},
                shrunk.weights().get("dense_1/kernel").shape());
        Models.assertSameLogits(spec, masked, shrunk.spec(), shrunk.weights());
    }

    @Test
    void residualStreamsKeepTheirChannelsAndOnlyInnerBlockLayersShrink() {
        ModelSpec spec = Models.RESNET;
        Weights w = Models.randomized(spec, 4);
        assertEquals(List.of("conv2d_2", "conv2d_4"), StructuredPruning.prunableLayers(spec));
        Weights masked = MaskPolicy.of(PruningKind.STRUCTURED, spec).at(w, 0.5).apply(w);
        StructuredPruning.Shrunk shrunk = StructuredPruning.shrink(spec, masked);
        assertEquals(
                "[conv2d(6,3,relu,same), residual, conv2d(3,3,none,same), batchnorm(relu), conv2d(6,3,none,same),"
                        + " batchnorm, add(relu), residual, conv2d(4,3,relu,same,2), conv2d(8,3,none,same), add(relu),"
                        + " globalavgpool, dense(3)]",
                shrunk.spec().layers().toString());
        Weights s = shrunk.weights();
        // The stream's layers, the projection and the logits are untouched; readers lose input rows only.
        for (String same : List.of(
                "conv2d_1/kernel",
                "batchnorm_2/gamma",
                "batchnorm_2/moving_mean",
                "add_2/kernel",
                "add_2/bias",
                "conv2d_5/bias",
                "dense_1/kernel")) {
            assertEquals(masked.get(same), s.get(same), same);
        }
        assertArrayEquals(new long[] {3, 3, 3, 6}, s.get("conv2d_3/kernel").shape());
        assertArrayEquals(new long[] {3}, s.get("batchnorm_1/moving_variance").shape());
        assertArrayEquals(new long[] {3, 3, 4, 8}, s.get("conv2d_5/kernel").shape());
        Models.assertSameLogits(spec, masked, shrunk.spec(), s);
    }

    @Test
    void fromZerosGivesBackTheMasksThatMadeTheZeros() {
        for (ModelSpec spec : List.of(Models.MLP, Models.CNN, Models.RESNET)) {
            MaskPolicy policy = MaskPolicy.of(PruningKind.STRUCTURED, spec);
            Weights w = Models.randomized(spec, 5);
            Masks masks = policy.at(w, 0.5);
            assertEquals(masks, policy.fromZeros(masks.apply(w)), spec.toString());
            // A growing sparsity only adds to the pruned units: zeroed units rank lowest.
            Masks more = policy.at(masks.apply(w), 0.75);
            for (String name : masks.names()) {
                for (int i = 0; i < masks.get(name).size(); i++) {
                    assertEquals(
                            true, masks.get(name).keeps(i) || !more.get(name).keeps(i), name + "[" + i + "] regrew");
                }
            }
            assertEquals(0, policy.none(w).sparsity());
        }
    }

    @Test
    void nothingToRemoveReturnsTheModelItself() {
        Weights w = Models.randomized(Models.CNN, 6);
        StructuredPruning.Shrunk shrunk = StructuredPruning.shrink(Models.CNN, w);
        assertSame(Models.CNN, shrunk.spec());
        assertSame(w, shrunk.weights());
    }

    @Test
    void aUnitIsRemovedOnlyIfItOutputsExactlyZero() {
        ModelSpec spec = Models.CNN;
        Weights w = Models.randomized(spec, 7);
        Masks masks = MaskPolicy.of(PruningKind.STRUCTURED, spec).at(w, 0.5);
        Weights masked = masks.apply(w);
        int pruned = 0;
        while (masks.get("conv2d_1/bias").keeps(pruned)) {
            pruned++;
        }
        // With a non-zero beta after it, the zero filter still outputs relu(beta): it must stay.
        float[] beta = masked.get("batchnorm_2/beta").values().clone();
        beta[pruned] = 0.25f;
        Weights leaky = masked.with(new NamedArray("batchnorm_2/beta", new long[] {8}, beta));
        StructuredPruning.Shrunk shrunk = StructuredPruning.shrink(spec, leaky);
        assertEquals("conv2d(5,3,none,same)", shrunk.spec().layers().get(0).toString());
        Models.assertSameLogits(spec, leaky, shrunk.spec(), shrunk.weights());
    }

    @Test
    void aLayerWithNoLiveUnitKeepsOne() {
        ModelSpec spec = Models.MLP;
        Weights w = Models.randomized(spec, 8);
        w = w.with(new NamedArray("dense_2/kernel", new long[] {64, 32}, new float[64 * 32]))
                .with(new NamedArray("dense_2/bias", new long[] {32}, new float[32]));
        StructuredPruning.Shrunk shrunk = StructuredPruning.shrink(spec, w);
        assertEquals(
                "[dense(64,relu), dense(1,relu), dense(10)]",
                shrunk.spec().layers().toString());
        Models.assertSameLogits(spec, w, shrunk.spec(), shrunk.weights());
        assertNotEquals(spec.parameterCount(), shrunk.spec().parameterCount());
    }

    @Test
    void errorsNameTheModelOrTheLayer() {
        assertMessage(
                "prune.kind structured: no layer of [dense(3)] can lose units",
                () -> MaskPolicy.of(PruningKind.STRUCTURED, ModelSpec.of(new int[] {4}, 3, List.of("dense(3)"))));
        assertMessage(
                "prune.kind structured: no layer of",
                () -> MaskPolicy.of(
                        PruningKind.STRUCTURED,
                        ModelSpec.of(new int[] {4}, 3, List.of("residual(dense(4,relu))", "dense(3)"))));
        Weights w = Models.randomized(Models.MLP, 9);
        float[] nan = w.get("dense_1/kernel").values().clone();
        nan[5] = Float.NaN;
        Weights diverged = w.with(new NamedArray("dense_1/kernel", new long[] {784, 64}, nan));
        MaskPolicy policy = MaskPolicy.of(PruningKind.STRUCTURED, Models.MLP);
        assertMessage("dense_1: unit 5 ranks NaN (dense_1/kernel)", () -> policy.at(diverged, 0.5));
        assertMessage("dense_1: sparsity must be in [0, 1), found 1.0", () -> policy.at(w, 1.0));
        assertMessage("dense_1/kernel", () -> policy.at(Models.randomized(Models.CNN, 1), 0.5));
    }
}
