package io.distillery.prune;

/**
 * What a pruning mask removes: single weights ({@link #UNSTRUCTURED}), whole units and filters, so the
 * exported layers really shrink ({@link #STRUCTURED}), or all but 2 of every 4 consecutive inputs
 * ({@link #NM_2_4}), the pattern sparse tensor cores run at twice the speed.
 */
public enum PruningKind {
    UNSTRUCTURED("unstructured"),
    STRUCTURED("structured"),
    NM_2_4("2:4");

    private final String key;

    PruningKind(String key) {
        this.key = key;
    }

    /** The spelling of the config's {@code prune.kind}. */
    public String key() {
        return key;
    }

    /**
     * The kind spelt {@code key}.
     *
     * @throws IllegalArgumentException naming the accepted spellings
     */
    public static PruningKind parse(String key) {
        for (PruningKind k : values()) {
            if (k.key.equals(key)) {
                return k;
            }
        }
        throw new IllegalArgumentException("prune.kind must be unstructured, structured or 2:4, found '" + key + "'");
    }
}
