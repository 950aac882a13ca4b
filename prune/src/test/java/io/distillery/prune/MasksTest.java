package io.distillery.prune;

import static io.distillery.prune.SparsityScheduleTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.util.List;
import org.junit.jupiter.api.Test;

class MasksTest {

    // |w| ranks: 0.0 (5) < 0.1 (1, 3, 7: a three-way tie, signs ignored) < 0.3 (2, 4) < 0.5 (0) < 2.0 (6)
    private static final float[] KERNEL = {0.5f, -0.1f, 0.3f, 0.1f, -0.3f, 0.0f, 2.0f, -0.1f};

    private static Weights model() {
        return new Weights(List.of(
                new NamedArray("dense_1/kernel", new long[] {2, 4}, KERNEL.clone()),
                new NamedArray("dense_1/bias", new long[] {4}, new float[] {0.001f, 0f, -0.002f, 0.003f}),
                new NamedArray("dense_2/kernel", new long[] {4, 1}, new float[] {-4f, 1f, -2f, 3f}),
                new NamedArray("dense_2/bias", new long[] {1}, new float[] {0.0001f})));
    }

    @Test
    void magnitudeBreaksTiesByLowerIndexFirst() {
        NamedArray k = model().get("dense_1/kernel");
        // floor(0.375 * 8) = 3: the zero, then 0.1 at indices 1 and 3; index 7 (also 0.1) is kept.
        TensorMask m = TensorMask.magnitude(k, 0.375);
        assertArrayEquals(new boolean[] {true, false, true, false, true, false, true, true}, m.keep());
        assertArrayEquals(new float[] {1, 0, 1, 0, 1, 0, 1, 1}, m.floats());
        // floor(0.5 * 8) = 4 takes the whole tie; floor(0.75 * 8) = 6 adds both 0.3s.
        assertArrayEquals(
                new boolean[] {true, false, true, false, true, false, true, false},
                TensorMask.magnitude(k, 0.5).keep());
        assertArrayEquals(
                new boolean[] {true, false, false, false, false, false, true, false},
                TensorMask.magnitude(k, 0.75).keep());
        assertEquals(0, TensorMask.magnitude(k, 0.0).prunedCount());
    }

    @Test
    void prunedCountIsTheFloorOfTheDecimalProduct() {
        assertEquals(2, TensorMask.prunedCount(10, 0.25)); // floor(2.5)
        assertEquals(29, TensorMask.prunedCount(100, 0.29)); // Math.floor(0.29 * 100) would be 28
        assertEquals(7, TensorMask.prunedCount(10, 0.7000000000000001)); // sparsityAt(50) of 0 -> 0.8
        assertEquals(0, TensorMask.prunedCount(3, 0.3)); // floor(0.9)
        assertEquals(0, TensorMask.prunedCount(0, 0.5));
    }

    @Test
    void kernelsAreMaskedBiasesNever() {
        Masks masks = Masks.magnitude(model(), 0.5);
        assertEquals(List.of("dense_1/kernel", "dense_2/kernel"), List.copyOf(masks.names()));
        // dense_2/kernel: floor(0.5 * 4) = 2 -> prune 1 and -2, keep -4 and 3.
        assertArrayEquals(new float[] {1, 0, 0, 1}, masks.floats("dense_2/kernel"));
        assertEquals(6.0 / 12.0, masks.sparsity(), 1e-12);
        assertMessage("no mask for dense_1/bias", () -> masks.get("dense_1/bias"));
    }

    @Test
    void applyZeroesExactlyThePrunedValuesAndLeavesTheInputAlone() {
        Weights w = model();
        Weights stripped = Masks.magnitude(w, 0.5).apply(w);

        float[] k = stripped.get("dense_1/kernel").values();
        assertArrayEquals(new float[] {0.5f, 0f, 0.3f, 0f, -0.3f, 0f, 2.0f, 0f}, k);
        // -0.1 becomes +0.0, not -0.0 (what -0.1f * 0f would give).
        assertEquals(0, Float.floatToRawIntBits(k[1]));
        assertEquals(0, Float.floatToRawIntBits(k[7]));
        assertArrayEquals(
                new float[] {-4f, 0f, 0f, 3f}, stripped.get("dense_2/kernel").values());
        assertEquals(w.get("dense_1/bias"), stripped.get("dense_1/bias"));
        assertEquals(w.get("dense_2/bias"), stripped.get("dense_2/bias"));
        assertArrayEquals(KERNEL, w.get("dense_1/kernel").values());
        assertEquals(
                List.copyOf(w.asMap().keySet()), List.copyOf(stripped.asMap().keySet()));
    }

    @Test
    void allPrunesNothingAndFromZerosRecoversTheMasks() {
        Weights w = model();
        Masks all = Masks.all(w);
        assertEquals(w, all.apply(w));
        assertEquals(0.0, all.sparsity(), 0.0);

        Masks half = Masks.magnitude(w, 0.5);
        assertEquals(half, Masks.fromZeros(half.apply(w), PruningScope.KERNELS));
    }

    @Test
    void aNarrowerScopeMasksOnlyWhatItNames() {
        Masks masks = Masks.magnitude(model(), 0.5, new PruningScope("dense_1/kernel"));
        assertEquals(List.of("dense_1/kernel"), List.copyOf(masks.names()));
        Weights stripped = masks.apply(model());
        assertEquals(model().get("dense_2/kernel"), stripped.get("dense_2/kernel"));
        // A pattern naming a bias still selects nothing.
        assertMessage(
                "prune.include 'dense_1/bias' matches no prunable weight",
                () -> Masks.magnitude(model(), 0.5, new PruningScope("dense_1/bias")));
    }

    @Test
    void badInputsAreNamed() {
        Weights diverged = model().with(new NamedArray(
                "dense_1/kernel", new long[] {2, 4}, new float[] {1, 2, Float.NaN, 4, 5, 6, 7, 8}));
        assertMessage("dense_1/kernel[2] is NaN", () -> Masks.magnitude(diverged, 0.5));
        assertMessage("dense_1/kernel: sparsity must be in [0, 1), found 1.0", () -> Masks.magnitude(model(), 1.0));

        Masks masks = Masks.magnitude(model(), 0.5);
        Weights other = new Weights(List.of(new NamedArray("dense_1/kernel", new long[] {2, 4}, KERNEL.clone())));
        assertMessage("mask for dense_2/kernel has no weight to apply to", () -> masks.apply(other));
        Weights reshaped = new Weights(List.of(
                new NamedArray("dense_1/kernel", new long[] {4, 2}, KERNEL.clone()),
                new NamedArray("dense_2/kernel", new long[] {4, 1}, new float[4])));
        assertMessage("cannot apply to weight dense_1/kernel[4, 2]", () -> masks.apply(reshaped));
    }
}
