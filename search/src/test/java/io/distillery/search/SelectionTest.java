package io.distillery.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectionTest {
    static TrialResult result(double width, double validation, long bytes, double p50) {
        Trial t = new Trial(width, 2, 0.5, null, 0, false, 5);
        return new TrialResult(
                t.id(),
                t,
                List.of("dense(10)"),
                bytes / 4,
                validation,
                validation - 0.01,
                bytes,
                bytes,
                "tflite",
                p50,
                5,
                1,
                "test",
                null);
    }

    private final TrialResult small = result(0.25, 0.85, 10_000, 0.010);
    private final TrialResult medium = result(0.5, 0.88, 40_000, 0.020);
    private final TrialResult large = result(1.0, 0.89, 160_000, 0.015);
    private final TrialResult dominated = result(0.75, 0.86, 90_000, 0.030);
    private final List<TrialResult> all = List.of(small, medium, large, dominated);

    @Test
    void choosesTheSmallestThatMeetsEveryBudget() {
        Budgets budgets = new Budgets(2.5, 0, 0); // teacher 0.90: at least 0.875
        Selection.Choice c = Selection.choose(all, budgets, 0.90, Selection.Objective.SIZE);
        assertTrue(c.met());
        assertEquals(medium, c.chosen());
        Map<String, Budgets.Check> checks = budgets.check(medium, 0.90);
        assertTrue(checks.get("accuracy").held());
        assertEquals(0.005, checks.get("accuracy").margin(), 1e-9);
    }

    @Test
    void latencyBudgetAndObjectiveChangeTheChoice() {
        Budgets budgets = new Budgets(2.5, 0.018, 0);
        Selection.Choice c = Selection.choose(all, budgets, 0.90, Selection.Objective.LATENCY);
        assertEquals(large, c.chosen()); // medium is smaller but misses 0.018 ms
        assertEquals(
                List.of("accuracy", "latency"),
                List.copyOf(budgets.check(large, 0.90).keySet()));
    }

    @Test
    void whenNoneMeetsTheBestEffortIsNamedNotMet() {
        Budgets budgets = new Budgets(0.5, 0, 50_000); // at least 0.895 and 50 kB: no trial
        Selection.Choice c = Selection.choose(all, budgets, 0.90, Selection.Objective.SIZE);
        assertFalse(c.met());
        // medium misses one budget (accuracy), large misses both... large misses size and accuracy: medium wins
        assertEquals(medium, c.chosen());
        assertFalse(budgets.check(medium, 0.90).get("accuracy").held());
        assertTrue(budgets.check(medium, 0.90).get("size").held());
    }

    @Test
    void theFrontHoldsOnlyUndominatedTrials() {
        assertEquals(List.of(small, medium, large), Selection.front(all, TrialResult::bytes));
        // By latency: small (0.010) and large (0.015, more accurate) are undominated; medium (0.020) is beaten by
        // large.
        assertEquals(List.of(small, large), Selection.front(all, TrialResult::latencyP50Ms));
    }

    @Test
    void successiveHalvingKeepsTheBestThirdAndTriplesTheEpochs() {
        SuccessiveHalving h = new SuccessiveHalving(3, 3);
        assertEquals(List.of(1, 3, 9), List.of(h.epochs(0, 9), h.epochs(1, 9), h.epochs(2, 9)));
        assertEquals(1, h.epochs(0, 2));
        assertEquals(List.of(large.trial(), medium.trial()), h.promote(all));
        assertEquals(
                1, new SuccessiveHalving(3, 2).promote(List.of(small, medium)).size());
    }
}
