package io.distillery.publish;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * The state of one numbered version directory.
 *
 * @param version  the directory's number
 * @param uri      the directory (without user-info)
 * @param state    complete, incomplete or corrupt
 * @param manifest the parsed manifest, or {@code null} when it is missing or unreadable
 * @param problems why the state is not {@link VersionState#COMPLETE}; empty when it is
 */
public record VersionStatus(long version, URI uri, VersionState state, Manifest manifest, List<FileProblem> problems) {

    public VersionStatus {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(state, "state");
        problems = List.copyOf(problems);
        if ((state == VersionState.COMPLETE) != problems.isEmpty()) {
            throw new IllegalArgumentException("version " + version + " is " + state + " but lists problems " + problems
                    + "; only COMPLETE has none");
        }
        if (state == VersionState.COMPLETE && manifest == null) {
            throw new IllegalArgumentException("version " + version + " is COMPLETE without a manifest");
        }
    }

    public boolean isComplete() {
        return state == VersionState.COMPLETE;
    }
}
