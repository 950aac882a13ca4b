package io.distillery.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class FlopsTest {

    @Test
    void tinyConvAndDenseCountedByHand() {
        // 6×6×2 input; conv2d 4 filters 3×3 valid → 4×4×4; maxpool(2) → 2×2×4; flatten → 16; dense(3).
        ModelSpec spec =
                ModelSpec.of(new int[] {6, 6, 2}, 3, List.of("conv2d(4,3,relu)", "maxpool(2)", "flatten", "dense(3)"));
        long conv = 2L * 4 * 4 * (3 * 3 * 2) * 4 + 4 * 4 * 4; // 2304 products + 64 biases
        long pool = 2 * 2 * 4 * 3; // 16 outputs, 3 comparisons each
        long dense = 2L * 16 * 3 + 3; // 96 products + 3 biases
        assertEquals(List.of(conv, pool, 0L, dense), Flops.forwardPerLayer(spec));
        assertEquals(List.of(2304L, 0L, 0L, 96L), Flops.productsPerLayer(spec));
        assertEquals(2368 + 48 + 99, Flops.forward(spec));
        assertEquals(3 * 2515, Flops.training(spec));
        // The model's input needs no gradient: the first conv's input-gradient product (2304) is not run.
        assertEquals(3 * 2515 - 2304, Flops.trainingExecuted(spec));
    }

    @Test
    void samePaddingStrideDepthwiseBatchNormAndPooling() {
        // 5×5×3; dwconv2d 3×3 multiplier 2, same, stride 2 → 3×3×6; batchnorm → 3×3×6; globalavgpool → 6;
        // dense(4) → 4; dense(2).
        ModelSpec spec = ModelSpec.of(
                new int[] {5, 5, 3},
                2,
                List.of("dwconv2d(3,2,none,same,2)", "batchnorm(relu)", "globalavgpool", "dense(4,relu)", "dense(2)"));
        long dw = 2L * 3 * 3 * (3 * 3) * 6 + 3 * 3 * 6; // 972 + 54
        long bn = 2L * 3 * 3 * 6; // 108
        long gap = 3 * 3 * 6; // 54
        long d1 = 2L * 6 * 4 + 4; // 52
        long d2 = 2L * 4 * 2 + 2; // 18
        assertEquals(List.of(dw, bn, gap, d1, d2), Flops.forwardPerLayer(spec));
        assertEquals(3 * (dw + bn + gap + d1 + d2) - 972, Flops.trainingExecuted(spec));
    }

    @Test
    void residualBlockCountsItsAddAndTheShortcutProjection() {
        // 4×4×2; residual(conv2d 4 filters 3×3 same) → 4×4×4, so the shortcut is projected 1×1 from 2 to 4
        // channels; flatten → 64; dense(3).
        ModelSpec spec = ModelSpec.of(
                new int[] {4, 4, 2}, 3, List.of("residual(conv2d(4,3,none,same),relu)", "flatten", "dense(3)"));
        long conv = 2L * 4 * 4 * (3 * 3 * 2) * 4 + 4 * 4 * 4; // 2304 + 64
        long add = 4 * 4 * 4 + (2L * 4 * 4 * 4 * 2 + 4 * 4 * 4); // 64 adds + 256 projection products + 64 biases
        long dense = 2L * 64 * 3 + 3;
        assertEquals(List.of(0L, conv, add, 0L, dense), Flops.forwardPerLayer(spec));
        assertEquals(List.of(0L, 2304L, 256L, 0L, 384L), Flops.productsPerLayer(spec));
    }

    @Test
    void defaultTeacherIsDominatedByTheSecondConvolution() {
        ModelSpec spec = ModelSpec.of(
                new int[] {28, 28, 1},
                10,
                List.of(
                        "conv2d(32,3,relu,same)",
                        "maxpool(2)",
                        "conv2d(64,3,relu,same)",
                        "maxpool(2)",
                        "flatten",
                        "dense(128,relu)",
                        "dense(10)"));
        long products = 2L * 28 * 28 * 9 * 32 + 2L * 14 * 14 * 9 * 32 * 64 + 2L * 3136 * 128 + 2L * 128 * 10;
        assertEquals(8_482_304, products);
        assertEquals(8_548_298, Flops.forward(spec));
    }
}
