package io.distillery.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.prune.SparsitySchedule.ConstantSparsity;
import io.distillery.prune.SparsitySchedule.PolynomialDecay;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SparsityScheduleTest {

    private static final double EPS = 1e-12;

    @Test
    void polynomialDecayCubicFromZeroToEightyPercent() {
        PolynomialDecay s = new PolynomialDecay(0.0, 0.8, 0, 100, 3, 10);
        assertEquals(0.0, s.sparsityAt(0), EPS);
        assertEquals(0.8 - 0.8 * 0.75 * 0.75 * 0.75, s.sparsityAt(25), EPS); // 0.4625
        assertEquals(0.4625, s.sparsityAt(25), EPS);
        assertEquals(0.7, s.sparsityAt(50), EPS); // 0.8 - 0.8 * 0.5^3
        assertEquals(0.8, s.sparsityAt(100), EPS);
        assertEquals(0.8, s.sparsityAt(150), EPS); // p clamped to 1
    }

    @Test
    void polynomialDecayClampsBeforeBeginAndIsLinearAtPowerOne() {
        PolynomialDecay s = new PolynomialDecay(0.2, 0.6, 10, 30, 1, 1);
        assertEquals(0.2, s.sparsityAt(5), EPS); // p clamped to 0
        assertEquals(0.2, s.sparsityAt(10), EPS);
        assertEquals(0.4, s.sparsityAt(20), EPS);
        assertEquals(0.6, s.sparsityAt(40), EPS);
    }

    @Test
    void updateStepsAreTfMotsRange() {
        PolynomialDecay s = new PolynomialDecay(0.0, 0.5, 10, 30, 3, 5);
        assertFalse(s.isUpdateStep(9));
        assertTrue(s.isUpdateStep(10));
        assertFalse(s.isUpdateStep(12));
        assertTrue(s.isUpdateStep(15));
        assertTrue(s.isUpdateStep(30));
        assertFalse(s.isUpdateStep(31));
        assertFalse(s.isUpdateStep(35));
    }

    @Test
    void endStepOffTheFrequencyGridIsNotAnUpdateStep() {
        // TF-MOT has no extra update at end_step: the last update here is step 10.
        PolynomialDecay s = new PolynomialDecay(0.0, 0.5, 0, 12, 3, 5);
        assertTrue(s.isUpdateStep(0));
        assertTrue(s.isUpdateStep(10));
        assertFalse(s.isUpdateStep(12));
        assertFalse(s.isUpdateStep(15));
    }

    @Test
    void constantSparsityNeverEndingAndOneShot() {
        ConstantSparsity forever = new ConstantSparsity(0.5, 100, SparsitySchedule.NEVER_ENDS, 100);
        assertFalse(forever.isUpdateStep(99));
        assertTrue(forever.isUpdateStep(100));
        assertFalse(forever.isUpdateStep(150));
        assertTrue(forever.isUpdateStep(200));
        assertTrue(forever.isUpdateStep(10_000_000));
        assertEquals(0.5, forever.sparsityAt(0), 0.0);
        assertEquals(0.5, forever.sparsityAt(10_000_000), 0.0);

        ConstantSparsity oneShot = new ConstantSparsity(0.9, 7, 7, 100);
        assertTrue(oneShot.isUpdateStep(7));
        assertFalse(oneShot.isUpdateStep(8));
        assertFalse(oneShot.isUpdateStep(107));
    }

    @Test
    void invalidSchedulesNameTheFieldAndTheValue() {
        assertMessage(
                "prune.final_sparsity must be in [0, 1), found -0.2",
                () -> new PolynomialDecay(0.0, -0.2, 0, 100, 3, 1));
        assertMessage(
                "prune.final_sparsity must be in [0, 1), found 1.0", () -> new PolynomialDecay(0.0, 1.0, 0, 100, 3, 1));
        assertMessage(
                "prune.initial_sparsity must be in [0, 1), found NaN",
                () -> new PolynomialDecay(Double.NaN, 0.5, 0, 100, 3, 1));
        assertMessage(
                "prune.initial_sparsity must be <= prune.final_sparsity (0.5), found 0.6",
                () -> new PolynomialDecay(0.6, 0.5, 0, 100, 3, 1));
        assertMessage(
                "prune.end_step must be > prune.begin_step (100)", () -> new PolynomialDecay(0.0, 0.5, 100, 100, 3, 1));
        assertMessage(
                "prune.end_step must be > prune.begin_step (0) for schedule polynomial_decay, found -1",
                () -> new PolynomialDecay(0.0, 0.5, 0, -1, 3, 1));
        assertMessage("prune.begin_step must be >= 0, found -1", () -> new PolynomialDecay(0.0, 0.5, -1, 100, 3, 1));
        assertMessage(
                "prune.power must be finite and > 0, found 0.0", () -> new PolynomialDecay(0.0, 0.5, 0, 100, 0, 1));
        assertMessage("prune.frequency must be >= 1, found 0", () -> new PolynomialDecay(0.0, 0.5, 0, 100, 3, 0));
        assertMessage(
                "prune.target_sparsity must be in [0, 1), found 1.5", () -> new ConstantSparsity(1.5, 0, -1, 100));
        assertMessage(
                "prune.end_step must be -1 (prune until training ends) or >= prune.begin_step (10), found -5",
                () -> new ConstantSparsity(0.5, 10, -5, 100));
        assertMessage(
                "prune.end_step must be -1 (prune until training ends) or >= prune.begin_step (10), found 9",
                () -> new ConstantSparsity(0.5, 10, 9, 100));
    }

    static void assertMessage(String expected, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }
}
