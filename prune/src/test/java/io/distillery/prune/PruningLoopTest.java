package io.distillery.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import io.distillery.prune.SparsitySchedule.PolynomialDecay;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The trainer's contract from the package docs, with a fake training step. */
class PruningLoopTest {

    @Test
    void polynomialScheduleDrivesMasksToTheFinalSparsityAndNeverRegrows() {
        float[] kernel = new float[20];
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = (i % 2 == 0 ? 1 : -1) * (i + 1) * 0.1f;
        }
        Weights w = new Weights(List.of(
                new NamedArray("dense_1/kernel", new long[] {4, 5}, kernel),
                new NamedArray("dense_1/bias", new long[] {5}, new float[] {0, 0.01f, 0.02f, 0.03f, 0.04f})));
        SparsitySchedule schedule = new PolynomialDecay(0, 0.8, 0, 10, 3, 2);

        Masks masks = Masks.all(w);
        List<Integer> prunedAtUpdates = new ArrayList<>();
        for (long step = 0; step <= 12; step++) {
            if (schedule.isUpdateStep(step)) {
                Masks next = Masks.magnitude(w, schedule.sparsityAt(step));
                TensorMask before = masks.get("dense_1/kernel");
                TensorMask after = next.get("dense_1/kernel");
                for (int i = 0; i < kernel.length; i++) {
                    assertTrue(before.keeps(i) || !after.keeps(i), "step " + step + ": index " + i + " regrew");
                }
                masks = next;
                prunedAtUpdates.add(after.prunedCount());
            }
            w = masks.apply(trainStep(w)); // the graph multiplies the kernel by its mask every step
        }

        // Steps 0, 2, .., 10: sparsity 0.8 - 0.8 (1 - p)^3 = 0, .3904, .6272, .7488, .7936, .8 of 20 values.
        assertEquals(List.of(0, 7, 12, 14, 15, 16), prunedAtUpdates);
        SparsityReport report = SparsityReport.of(w, masks.apply(w));
        assertEquals(0.8, report.prunableSparsity(), 1e-12);
        assertEquals(16, w.get("dense_1/kernel").zeros());
        // The bias is never masked: training moved even its initial zero (13 steps of +0.01).
        assertEquals(0, w.get("dense_1/bias").zeros());
        assertEquals(0.13f, w.get("dense_1/bias").values()[0], 1e-6f);
    }

    /** Every value drifts up by 0.01, so a pruned value left unmasked would stop being zero. */
    private static Weights trainStep(Weights w) {
        List<NamedArray> out = new ArrayList<>();
        for (NamedArray a : w.asMap().values()) {
            float[] v = a.values().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] += 0.01f;
            }
            out.add(new NamedArray(a.name(), a.shape(), v));
        }
        return new Weights(out);
    }
}
