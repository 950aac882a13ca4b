package io.distillery.search;

import java.util.Comparator;
import java.util.List;

/**
 * Successive halving (Jamieson & Talwalkar 2016; ASHA's synchronous form): every trial first gets a
 * short budget, and only the best {@code 1/eta} of each rung, by validation accuracy, go on to a budget
 * {@code eta} times longer, up to the full epochs. With 3 rungs and eta 3, the grid's trial-epochs shrink
 * to about a third.
 *
 * @param eta how much each rung cuts the trials and lengthens the budget (2 or more)
 * @param rungs how many budgets (1: every trial at the full epochs)
 */
public record SuccessiveHalving(int eta, int rungs) {
    public SuccessiveHalving {
        if (eta < 2) {
            throw new IllegalArgumentException("search.halving.eta must be >= 2, found " + eta);
        }
        if (rungs < 1) {
            throw new IllegalArgumentException("search.halving.rungs must be >= 1, found " + rungs);
        }
    }

    /** Rung {@code r}'s epochs (rung {@code rungs − 1} gets the full {@code epochs}), at least 1. */
    public int epochs(int rung, int epochs) {
        return Math.max(1, (int) Math.round(epochs / Math.pow(eta, rungs - 1 - rung)));
    }

    /** The trials of one rung that go on: the best {@code ceil(n / eta)} by validation accuracy. */
    public List<Trial> promote(List<TrialResult> rung) {
        int keep = Math.max(1, (rung.size() + eta - 1) / eta);
        return rung.stream()
                .sorted(Comparator.comparingDouble(TrialResult::validationAccuracy)
                        .reversed()
                        .thenComparing(TrialResult::id))
                .limit(keep)
                .map(TrialResult::trial)
                .toList();
    }
}
