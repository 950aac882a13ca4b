package io.distillery.prune;

import io.distillery.core.model.Weights;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which weights pruning may touch, by name: those whose full name matches {@code include}, except
 * biases ({@code <layer>/bias}), which are never pruned. The default, {@link #KERNELS}, is every
 * {@code <layer>/kernel}; a narrower pattern such as {@code dense_1/kernel|conv2d_2/kernel} keeps, say,
 * the output layer dense.
 *
 * @param include a {@link java.util.regex.Pattern} matched against the whole weight name
 */
public record PruningScope(String include) implements java.io.Serializable {

    public static final String DEFAULT_INCLUDE = ".*/kernel";

    /** Every {@code <layer>/kernel}. */
    public static final PruningScope KERNELS = new PruningScope(DEFAULT_INCLUDE);

    public PruningScope {
        if (include == null || include.isBlank()) {
            throw new IllegalArgumentException("prune.include must be a regular expression over weight names, found "
                    + (include == null ? "null" : "'" + include + "'")
                    + "; the default is '" + DEFAULT_INCLUDE + "'");
        }
        try {
            Pattern.compile(include);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(
                    "prune.include must be a valid regular expression, found '" + include + "': " + e.getDescription(),
                    e);
        }
    }

    public boolean isPrunable(String weightName) {
        return !weightName.endsWith("/bias") && Pattern.matches(include, weightName);
    }

    /** Names of the prunable arrays of {@code weights}, in their order; possibly empty. */
    public List<String> prunableNames(Weights weights) {
        return weights.asMap().keySet().stream().filter(this::isPrunable).toList();
    }
}
