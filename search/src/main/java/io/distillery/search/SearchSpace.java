package io.distillery.search;

import io.distillery.prune.PruningKind;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The values a search tries for each setting; trials are points of their product, all of them (a grid)
 * or a seeded sample of them.
 *
 * @param prunes {@code none}, {@code unstructured:<sparsity>}, {@code structured:<sparsity>} or
 *     {@code 2:4}, as in the config
 */
public record SearchSpace(
        List<Double> widths, List<Double> temperatures, List<Double> alphas, List<String> prunes, List<Boolean> int8)
        implements Serializable {

    public SearchSpace {
        widths = nonEmpty(widths, "search.widths");
        temperatures = nonEmpty(temperatures, "search.temperatures");
        alphas = nonEmpty(alphas, "search.alphas");
        prunes = nonEmpty(prunes, "search.prunes");
        int8 = nonEmpty(int8, "search.int8");
        for (String p : prunes) {
            parsePrune(p); // fails naming the bad value
        }
    }

    private static <T> List<T> nonEmpty(List<T> values, String key) {
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException(key + " must list at least one value");
        }
        return List.copyOf(values);
    }

    /** Every point, in a fixed order (widths outermost). */
    public List<Trial> grid(int epochs) {
        List<Trial> out = new ArrayList<>();
        for (double w : widths) {
            for (double t : temperatures) {
                for (double a : alphas) {
                    for (String p : prunes) {
                        Prune prune = parsePrune(p);
                        for (boolean q : int8) {
                            out.add(new Trial(w, t, a, prune.kind(), prune.sparsity(), q, epochs));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** {@code n} distinct points drawn with {@code seed} (the whole grid when it has fewer). */
    public List<Trial> sample(int n, long seed, int epochs) {
        List<Trial> all = new ArrayList<>(grid(epochs));
        Collections.shuffle(all, new Random(seed));
        return List.copyOf(all.subList(0, Math.min(n, all.size())));
    }

    public int size() {
        return widths.size() * temperatures.size() * alphas.size() * prunes.size() * int8.size();
    }

    /** A pruning choice: the kind (null for none) and its final sparsity. */
    public record Prune(PruningKind kind, double sparsity) {}

    public static Prune parsePrune(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("none")) {
            return new Prune(null, 0);
        }
        if (s.equals(PruningKind.NM_2_4.key())) {
            return new Prune(PruningKind.NM_2_4, 0.5);
        }
        int colon = s.lastIndexOf(':');
        try {
            if (colon > 0) {
                PruningKind kind = PruningKind.parse(s.substring(0, colon));
                double sparsity = Double.parseDouble(s.substring(colon + 1));
                if (kind != PruningKind.NM_2_4 && sparsity > 0 && sparsity < 1) {
                    return new Prune(kind, sparsity);
                }
            }
        } catch (IllegalArgumentException e) {
            // the message below names every accepted form
        }
        throw new IllegalArgumentException("search.prunes: '" + text + "' is not none, unstructured:<sparsity>,"
                + " structured:<sparsity> (a sparsity in (0, 1), e.g. structured:0.5) or 2:4");
    }
}
