package io.distillery.publish;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * What {@code publish} made visible.
 *
 * @param version          the version number
 * @param uri              the version directory (without user-info)
 * @param reused           {@code true} when a complete version of the same run already existed and was
 *                         returned instead of publishing again
 * @param removedLeftovers leftovers of killed publishers that this call deleted (stale, or of this run and
 *                         written by a process of this host that is gone)
 */
public record PublishResult(long version, URI uri, boolean reused, List<URI> removedLeftovers) {

    public PublishResult {
        Objects.requireNonNull(uri, "uri");
        removedLeftovers = List.copyOf(removedLeftovers);
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, found " + version);
        }
    }
}
