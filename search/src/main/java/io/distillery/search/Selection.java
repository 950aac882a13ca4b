package io.distillery.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Chooses among finished trials: the smallest (or fastest) artifact that meets every budget on the
 * validation rows, ties going to the more accurate; and the Pareto fronts the report draws.
 */
public final class Selection {
    /** What "best" minimises among the trials that meet the budgets. */
    public enum Objective {
        SIZE(TrialResult::bytes),
        LATENCY(TrialResult::latencyP50Ms);

        private final ToDoubleFunction<TrialResult> cost;

        Objective(ToDoubleFunction<TrialResult> cost) {
            this.cost = cost;
        }

        public double cost(TrialResult r) {
            return cost.applyAsDouble(r);
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Objective parse(String key) {
            for (Objective o : values()) {
                if (o.key().equals(key)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("search.objective must be size or latency, found '" + key + "'");
        }
    }

    /**
     * @param chosen the trial chosen, or (when none met the budgets) the best effort: the one that met
     *     the most budgets, then the most accurate
     * @param met whether {@code chosen} meets every budget
     */
    public record Choice(TrialResult chosen, boolean met) {}

    private Selection() {}

    public static Choice choose(List<TrialResult> results, Budgets budgets, double reference, Objective objective) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("search: no finished trial to choose from");
        }
        List<TrialResult> meeting =
                results.stream().filter(r -> budgets.met(r, reference)).toList();
        if (!meeting.isEmpty()) {
            TrialResult best = meeting.stream()
                    .min(Comparator.comparingDouble(objective::cost)
                            .thenComparing(Comparator.comparingDouble(TrialResult::validationAccuracy)
                                    .reversed())
                            .thenComparing(TrialResult::id))
                    .orElseThrow();
            return new Choice(best, true);
        }
        TrialResult effort = results.stream()
                .min(Comparator.comparingLong((TrialResult r) -> budgets.check(r, reference).values().stream()
                                .filter(c -> !c.held())
                                .count())
                        .thenComparing(Comparator.comparingDouble(TrialResult::validationAccuracy)
                                .reversed())
                        .thenComparing(TrialResult::id))
                .orElseThrow();
        return new Choice(effort, false);
    }

    /**
     * The trials no other trial beats on both validation accuracy (higher) and {@code cost} (lower),
     * by cost ascending.
     */
    public static List<TrialResult> front(List<TrialResult> results, ToDoubleFunction<TrialResult> cost) {
        List<TrialResult> out = new ArrayList<>();
        for (TrialResult r : results) {
            boolean dominated = results.stream()
                    .anyMatch(o -> o != r
                            && o.validationAccuracy() >= r.validationAccuracy()
                            && cost.applyAsDouble(o) <= cost.applyAsDouble(r)
                            && (o.validationAccuracy() > r.validationAccuracy()
                                    || cost.applyAsDouble(o) < cost.applyAsDouble(r)));
            if (!dominated) {
                out.add(r);
            }
        }
        out.sort(Comparator.comparingDouble(cost).thenComparing(TrialResult::id));
        return out;
    }
}
