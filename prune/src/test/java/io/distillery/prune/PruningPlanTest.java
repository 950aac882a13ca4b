package io.distillery.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PruningPlanTest {
    private static PruningPlan polynomial(long end, int frequency) {
        return new PruningPlan(PruningPlan.Kind.POLYNOMIAL_DECAY, 0, 0.8, 0, end, frequency, 3);
    }

    @Test
    void endStepMinusOneRampsOverTwoThirdsAlignedToTheMaskFrequency() {
        // 10 epochs × 100 steps: the ramp ends at 666, aligned down to 600 with frequency 100... which
        // would give 6 updates: the frequency drops to 66 for 10 updates (ramp 0 → 660).
        SparsitySchedule s = polynomial(-1, 100).schedule(10, 100);
        assertEquals(new SparsitySchedule.PolynomialDecay(0, 0.8, 0, 660, 3, 66), s);
        assertEquals(0.8, s.sparsityAt(660), 1e-12);
    }

    @Test
    void aFrequencyWithEnoughUpdatesIsKept() {
        PruningPlan p = polynomial(2000, 100);
        assertEquals(100, p.maskFrequency(2000));
        assertEquals(new SparsitySchedule.PolynomialDecay(0, 0.8, 0, 2000, 3, 100), p.schedule(30, 100));
    }

    @Test
    void aScheduleBeyondTheFineTuningNamesTheKeys() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> polynomial(5000, 100).schedule(3, 100));
        assertTrue(
                e.getMessage()
                        .startsWith("prune: the schedule needs prune.begin_step + prune.frequency <="
                                + " prune.end_step < the 300 fine-tuning steps (prune.epochs 3 × 100 steps per epoch); found"
                                + " prune.begin_step 0, prune.end_step 5000"),
                e.getMessage());
    }

    @Test
    void badKeysAreRefusedWithTheirNames() {
        assertEquals(
                "prune.schedule must be constant or polynomial_decay, found 'cubic'",
                assertThrows(IllegalArgumentException.class, () -> PruningPlan.Kind.parse("cubic"))
                        .getMessage());
        assertEquals(
                "prune.end_step (5) must be > prune.begin_step (10), or -1 for two thirds of the fine-tuning",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> new PruningPlan(PruningPlan.Kind.POLYNOMIAL_DECAY, 0, 0.5, 10, 5, 1, 3))
                        .getMessage());
        assertEquals(PruningPlan.Kind.CONSTANT, PruningPlan.Kind.parse("constant"));
    }
}
