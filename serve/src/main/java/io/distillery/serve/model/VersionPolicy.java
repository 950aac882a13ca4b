package io.distillery.serve.model;

import java.util.Collection;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which of the complete versions in storage to serve, as TensorFlow Serving's
 * {@code model_version_policy}: the newest ({@link Latest}, the default) or named ones
 * ({@link Specific}).
 */
public sealed interface VersionPolicy {

    /** The versions to serve, given the complete, loadable versions found in storage. */
    NavigableSet<Long> select(Collection<Long> candidates);

    static VersionPolicy latest() {
        return new Latest();
    }

    static VersionPolicy specific(Collection<Long> versions) {
        return new Specific(new TreeSet<>(versions));
    }

    /** Serve the newest complete version; when a newer one appears, swap to it. */
    record Latest() implements VersionPolicy {
        @Override
        public NavigableSet<Long> select(Collection<Long> candidates) {
            TreeSet<Long> chosen = new TreeSet<>();
            candidates.stream().max(Long::compare).ifPresent(chosen::add);
            return chosen;
        }

        @Override
        public String toString() {
            return "latest";
        }
    }

    /** Serve exactly these versions, each once it is complete; requests without a version get the newest. */
    record Specific(SortedSet<Long> versions) implements VersionPolicy {
        public Specific {
            Objects.requireNonNull(versions, "versions");
            if (versions.isEmpty()) {
                throw new IllegalArgumentException("a specific version policy needs at least one version");
            }
            for (long v : versions) {
                if (v < 0) {
                    throw new IllegalArgumentException("versions must be >= 0, found " + v);
                }
            }
            versions = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(versions));
        }

        @Override
        public NavigableSet<Long> select(Collection<Long> candidates) {
            TreeSet<Long> chosen = new TreeSet<>(candidates);
            chosen.retainAll(Set.copyOf(versions));
            return chosen;
        }

        @Override
        public String toString() {
            return "versions " + versions;
        }
    }
}
