package io.distillery.serve;

import io.distillery.serve.batch.BatchingOptions;
import io.distillery.serve.inference.ModelNames;
import io.distillery.serve.inference.RequestLimits;
import io.distillery.serve.model.VersionPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@code distillery serve} is told, validated here. Start from {@link #of(URI)} and change
 * what differs with the {@code with...} methods.
 *
 * @param modelBasePath the model directory {@code <base>/<name>} holding numbered versions, on any
 *                      Hadoop file system ({@code file:}, {@code hdfs:}, {@code s3a:}); no user-info
 * @param modelName     the name clients use in URLs and model specs
 * @param endpoints     where to listen
 * @param pollInterval  how often the base path is checked for new versions, within [100 ms, 1 day]
 * @param policy        which complete versions to serve
 * @param batching      batching options, or none to run every request on its own
 * @param limits        per-request limits
 * @param cacheDir      where local copies of loaded versions go; empty for a fresh temporary directory
 */
public record ServeOptions(
        URI modelBasePath,
        String modelName,
        Endpoints endpoints,
        Duration pollInterval,
        VersionPolicy policy,
        Optional<BatchingOptions> batching,
        RequestLimits limits,
        Optional<Path> cacheDir) {

    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);

    public ServeOptions {
        Objects.requireNonNull(modelBasePath, "modelBasePath");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(endpoints, "endpoints");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(batching, "batching");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(cacheDir, "cacheDir");
        if (modelBasePath.getRawUserInfo() != null) {
            throw new IllegalArgumentException("the model base path carries user-info; credentials in URIs end up in"
                    + " logs: set them in the Hadoop configuration");
        }
        if (!ModelNames.isSafe(modelName)) {
            throw new IllegalArgumentException(
                    "model name must match [A-Za-z0-9][A-Za-z0-9._-]{0,254}, found '" + modelName + "'");
        }
        if (pollInterval.compareTo(Duration.ofMillis(100)) < 0 || pollInterval.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("poll interval must be within [100 ms, 1 day], found " + pollInterval);
        }
    }

    /**
     * Serves {@code modelBasePath} under the name of its last segment, REST on 8501 without gRPC,
     * polling every 5 s, latest version, no batching, default limits.
     */
    public static ServeOptions of(URI modelBasePath) {
        return new ServeOptions(
                modelBasePath,
                lastSegment(modelBasePath),
                Endpoints.rest(8501),
                DEFAULT_POLL_INTERVAL,
                VersionPolicy.latest(),
                Optional.empty(),
                RequestLimits.defaults(),
                Optional.empty());
    }

    public ServeOptions withModelName(String name) {
        return new ServeOptions(modelBasePath, name, endpoints, pollInterval, policy, batching, limits, cacheDir);
    }

    public ServeOptions withEndpoints(Endpoints value) {
        return new ServeOptions(modelBasePath, modelName, value, pollInterval, policy, batching, limits, cacheDir);
    }

    public ServeOptions withPollInterval(Duration value) {
        return new ServeOptions(modelBasePath, modelName, endpoints, value, policy, batching, limits, cacheDir);
    }

    public ServeOptions withPolicy(VersionPolicy value) {
        return new ServeOptions(modelBasePath, modelName, endpoints, pollInterval, value, batching, limits, cacheDir);
    }

    public ServeOptions withBatching(Optional<BatchingOptions> value) {
        return new ServeOptions(modelBasePath, modelName, endpoints, pollInterval, policy, value, limits, cacheDir);
    }

    public ServeOptions withLimits(RequestLimits value) {
        return new ServeOptions(modelBasePath, modelName, endpoints, pollInterval, policy, batching, value, cacheDir);
    }

    public ServeOptions withCacheDir(Optional<Path> value) {
        return new ServeOptions(modelBasePath, modelName, endpoints, pollInterval, policy, batching, limits, value);
    }

    /** The last path segment of {@code uri}: the model's directory name. */
    public static String lastSegment(URI uri) {
        String path = uri.getPath();
        if (path == null) {
            throw new IllegalArgumentException("model base path " + uri + " has no path; expected <base>/<name>");
        }
        while (path.endsWith("/") && path.length() > 1) {
            path = path.substring(0, path.length() - 1);
        }
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
