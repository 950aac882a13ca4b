package io.distillery.prune;

import static io.distillery.prune.SparsityScheduleTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NmSparsityTest {

    @Test
    void groupsRunAlongTheInputAxisPerOutput() {
        // dense [4, 2]: column 0 is (0.1, -0.4, 0.2, 0.3), column 1 is (4, 0, 0, 0).
        NamedArray k = new NamedArray(
                "dense_1/kernel", new long[] {4, 2}, new float[] {0.1f, 4f, -0.4f, 0f, 0.2f, 0f, 0.3f, 0f});
        assertTrue(NmSparsity.holds(k, 4, 4));
        assertFalse(NmSparsity.holds(k, 3, 4)); // column 0 has 4 non-zeros
        assertFalse(NmSparsity.holds(k, 1, 2)); // (0.1, -0.4) is a full group of 2
        TensorMask half = NmSparsity.mask(k, 0.5);
        // Column 0 keeps -0.4 and 0.3; column 1 prunes its two lowest-index zeros (ties by position).
        assertArrayEquals(new boolean[] {false, true, true, false, false, false, true, true}, half.keep());
        assertTrue(NmSparsity.holds(half.apply(k), 2, 4));
        // 3:4 zeroes 0.1 in column 0; in column 1 it picks a value that is zero already.
        assertEquals(k.zeros() + 1, NmSparsity.mask(k, 0.25).apply(k).zeros());
        assertEquals(0, NmSparsity.mask(k, 0.0).prunedCount());
    }

    @Test
    void aPartialLastGroupIsNeitherPrunedNorChecked() {
        // dense [6, 1]: inputs 0-3 form a group, inputs 4 and 5 are left over.
        NamedArray k = new NamedArray("dense_1/kernel", new long[] {6, 1}, new float[] {1, 2, 3, 4, 0.1f, 0.2f});
        TensorMask m = NmSparsity.mask(k, 0.75);
        assertArrayEquals(new boolean[] {false, false, false, true, true, true}, m.keep());
        assertTrue(NmSparsity.holds(m.apply(k), 1, 4));
        NamedArray narrow = new NamedArray("conv2d_1/kernel", new long[] {3, 3, 1, 8}, new float[72]);
        assertEquals(0, NmSparsity.mask(narrow, 0.5).prunedCount());
    }

    @Test
    void policyPrunesEveryKernelButDepthwiseToTwoOfFour() {
        for (ModelSpec spec : List.of(Models.MLP, Models.CNN, Models.RESNET)) {
            MaskPolicy policy = MaskPolicy.of(PruningKind.NM_2_4, spec);
            Weights w = Models.randomized(spec, 21);
            Set<String> masked = policy.maskedVariables(w);
            for (String name : w.asMap().keySet()) {
                boolean kernel = name.endsWith("/kernel") && !name.startsWith("dwconv2d");
                assertEquals(kernel, masked.contains(name), spec + ": " + name);
            }
            Masks half = policy.at(w, 0.5);
            Masks quarter = policy.at(w, 0.25);
            Weights pruned = half.apply(w);
            for (String name : masked) {
                NamedArray k = pruned.get(name);
                assertTrue(NmSparsity.holds(k, 2, 4), name);
                assertTrue(NmSparsity.holds(quarter.apply(w).get(name), 3, 4), name);
                long inputs = k.shape()[k.shape().length - 2];
                if (inputs >= 4) {
                    assertFalse(NmSparsity.holds(quarter.apply(w).get(name), 2, 4), name);
                    long full = inputs / 4 * 4;
                    assertEquals(0.5 * full / inputs, half.get(name).sparsity(), 1e-9, name);
                }
            }
            assertEquals(half, policy.fromZeros(pruned), spec.toString());
            assertEquals(0, policy.none(w).sparsity());
        }
    }

    @Test
    void theResidualProjectionIsPrunedAndItsLeftOverInputsKept() {
        Weights w = Models.randomized(Models.RESNET, 22);
        Weights pruned =
                MaskPolicy.of(PruningKind.NM_2_4, Models.RESNET).at(w, 0.5).apply(w);
        // add_2/kernel [1, 1, 6, 8]: inputs 0-3 are one group per output, inputs 4 and 5 stay.
        NamedArray projection = pruned.get("add_2/kernel");
        assertTrue(NmSparsity.holds(projection, 2, 4));
        float[] before = w.get("add_2/kernel").values();
        for (int i = 4 * 8; i < 6 * 8; i++) {
            assertEquals(before[i], projection.values()[i]);
        }
        assertEquals(8 * 2, projection.zeros());
    }

    @Test
    void errors() {
        NamedArray bias = new NamedArray("dense_1/bias", new long[] {4}, new float[4]);
        assertMessage(
                "dense_1/bias[4]: N:M sparsity needs a kernel with an input and an output axis",
                () -> NmSparsity.holds(bias, 2, 4));
        NamedArray k = new NamedArray("dense_1/kernel", new long[] {4, 1}, new float[4]);
        assertMessage(
                "dense_1/kernel: N:M sparsity needs 0 <= N <= M and M >= 1, found 5:4",
                () -> NmSparsity.holds(k, 5, 4));
        assertMessage("dense_1/kernel: sparsity must be in [0, 1), found 1.0", () -> NmSparsity.mask(k, 1.0));
        NamedArray nan = new NamedArray("dense_1/kernel", new long[] {4, 1}, new float[] {0, Float.NaN, 0, 0});
        assertMessage("dense_1/kernel[1] is NaN", () -> NmSparsity.mask(nan, 0.5));
    }
}
