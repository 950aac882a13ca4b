package io.distillery.publish;

import java.io.IOException;
import java.net.URI;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The versions of one model at {@code <base>/<name>} on any Hadoop file system: publishes a local
 * export as the next version, lists versions with their state, and verifies them.
 *
 * <pre>{@code
 * try (ModelRepository repo = ModelRepository.open(URI.create("hdfs://nn/models/fashion"), conf)) {
 *     PublishResult result = repo.publish(exportDir, runId, Map.of("metrics", Map.of("accuracy", 0.89)));
 * }
 * }</pre>
 *
 * <p>The repository owns its own {@code FileSystem} instance (not the shared cached one) and closes it.
 * Instances are safe to use from several threads; separate instances, threads or processes may
 * publish into the same model concurrently.
 */
public final class ModelRepository implements AutoCloseable {

    private final FileSystem fs;
    private final VersionStore store;
    private final CommitProtocol protocol;
    private final Redactor redactor;
    private final URI uri;
    /** {@link #uri} as failures name it: with the server it is reached through when the URI lacks it. */
    private final String where;

    private volatile boolean closed;

    private ModelRepository(
            FileSystem fs, VersionStore store, CommitProtocol protocol, Redactor redactor, Configuration conf) {
        this.fs = fs;
        this.store = store;
        this.protocol = protocol;
        this.redactor = redactor;
        this.uri = store.uri(store.modelPath());
        this.where = located(uri, conf);
    }

    /**
     * {@code uri}, followed for {@code s3a://} by the endpoint its bucket is reached through (a bucket's
     * own {@code fs.s3a.bucket.<bucket>.endpoint}, else {@code fs.s3a.endpoint}), so that a failure names
     * the server that could not be reached.
     */
    static String located(URI uri, Configuration conf) {
        if (!"s3a".equals(uri.getScheme()) || uri.getHost() == null) {
            return uri.toString();
        }
        String endpoint =
                conf.getTrimmed("fs.s3a.bucket." + uri.getHost() + ".endpoint", conf.getTrimmed("fs.s3a.endpoint", ""));
        return endpoint.isEmpty() ? uri.toString() : uri + " (S3 endpoint " + endpoint + ")";
    }

    /** Opens the model at {@code modelUri} with {@link PublishOptions#defaults()}. */
    public static ModelRepository open(URI modelUri, Configuration conf) throws IOException {
        return open(modelUri, conf, PublishOptions.defaults());
    }

    /**
     * Opens the model at {@code modelUri}, e.g. {@code s3a://bucket/models/fashion}; its last path
     * segment is the model name. Nothing is created until the first publish.
     *
     * @throws IllegalArgumentException when the URI carries user-info (credentials belong in
     *                                  {@code conf}) or its last segment is not a valid model name
     * @throws ModelRepositoryException when the file system cannot be opened
     */
    public static ModelRepository open(URI modelUri, Configuration conf, PublishOptions options) throws IOException {
        Objects.requireNonNull(modelUri, "modelUri");
        Objects.requireNonNull(conf, "conf");
        Objects.requireNonNull(options, "options");
        URI shown = Redactor.withoutUserInfo(modelUri);
        if (modelUri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("model URI " + shown + " carries user-info; credentials in"
                    + " URIs are refused (they leak into logs), set them in the Hadoop configuration");
        }
        if (modelUri.getPath() == null
                || modelUri.getPath().isEmpty()
                || modelUri.getPath().equals("/")) {
            throw new IllegalArgumentException("model URI " + shown + " has no path; expected <base>/<name>,"
                    + " e.g. s3a://bucket/models/fashion");
        }
        Path modelPath = new Path(modelUri);
        RepositoryLayout.requireModelName(modelPath.getName());
        Redactor redactor = Redactor.of(conf);
        FileSystem fs;
        try {
            fs = FileSystem.newInstance(modelUri, conf);
        } catch (IOException | RuntimeException e) {
            throw redactor.failure("cannot open the file system of model repository " + shown, e);
        }
        try {
            fs.setWriteChecksum(false); // no .crc side files next to published files on file://
            Path qualified = fs.makeQualified(modelPath);
            VersionStore store = new VersionStore(fs, qualified, modelPath.getName(), redactor);
            return new ModelRepository(fs, store, CommitProtocol.forStore(store, conf, options), redactor, conf);
        } catch (IOException | RuntimeException e) {
            ModelRepositoryException failure = redactor.failure("cannot open model repository " + shown, e);
            Steps.cleanUp(failure, fs::close);
            throw failure;
        }
    }

    /** The model directory {@code <base>/<name>}, without user-info. */
    public URI uri() {
        return uri;
    }

    /** The last segment of the model path. */
    public String modelName() {
        return store.modelName();
    }

    /**
     * Publishes every file under {@code localVersionDir} as the next version with a
     * {@code manifest.json} holding {@code manifestFields} plus {@code model_name}, {@code version},
     * {@code run_id}, {@code created} and {@code files}. If a complete version of {@code runId} exists
     * already, returns it and publishes nothing. Removes stale leftovers of killed publishers first.
     *
     * @param localVersionDir the export (saved_model.pb, variables/..., model.tflite, tfjs/...)
     * @param runId           the run that produced it, {@code [A-Za-z0-9][A-Za-z0-9._-]{0,127}}
     * @param manifestFields  caller fields (config, metrics, provenance); JSON-serialisable values
     * @throws IllegalArgumentException on an invalid run id, a reserved or non-JSON field, or a field
     *                                  that contains a secret of the Hadoop configuration
     * @throws ModelRepositoryException when publishing fails; no numbered directory is left behind
     */
    public PublishResult publish(java.nio.file.Path localVersionDir, String runId, Map<String, ?> manifestFields)
            throws IOException {
        ensureOpen("publish");
        Objects.requireNonNull(localVersionDir, "localVersionDir");
        Objects.requireNonNull(manifestFields, "manifestFields");
        RepositoryLayout.requireRunId(runId);
        Map<String, Object> fields = ManifestCodec.normalizeFields(manifestFields);
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            Optional<String> key = redactor.secretKeyIn(field.getKey() + "=" + ManifestCodec.toJson(field.getValue()));
            if (key.isPresent()) {
                throw new IllegalArgumentException("manifest field '" + field.getKey() + "' contains the value of"
                        + " the Hadoop configuration key '" + key.get() + "'; secrets are never published");
            }
        }
        try {
            return protocol.publish(new PublishRequest(runId, LocalVersion.scan(localVersionDir), fields));
        } catch (IOException | RuntimeException | FSError e) {
            throw redactor.failure(
                    "publishing run '" + runId + "' from " + localVersionDir.toAbsolutePath() + " to " + where
                            + " failed",
                    e);
        }
    }

    /**
     * Every integer-named version directory, lowest first, judged by its manifest, the presence of the
     * listed files and their sizes. Contents are not re-hashed: use {@link #verify(long)} for that.
     */
    public List<VersionStatus> list() throws IOException {
        ensureOpen("list");
        try {
            return store.scanAll(store.list()).stream()
                    .map(VersionStore.VersionScan::status)
                    .toList();
        } catch (IOException | RuntimeException e) {
            throw redactor.failure("listing the versions of " + where + " failed", e);
        }
    }

    /**
     * Re-reads every file of {@code version} and checks its size and sha256 against the manifest; the
     * problems name each file that differs, is missing, or is not in the manifest.
     *
     * @throws ModelRepositoryException when the version does not exist or cannot be read
     */
    public VersionStatus verify(long version) throws IOException {
        ensureOpen("verify");
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, found " + version);
        }
        try {
            return store.verify(version);
        } catch (IOException | RuntimeException e) {
            throw redactor.failure("verifying version " + version + " of " + where + " failed", e);
        }
    }

    /**
     * The highest version that is complete after re-hashing every file (what a reader should serve),
     * or empty when there is none.
     */
    public Optional<VersionStatus> latestComplete() throws IOException {
        ensureOpen("latestComplete");
        List<VersionStatus> candidates = list().stream()
                .filter(VersionStatus::isComplete)
                .sorted(Comparator.comparingLong(VersionStatus::version).reversed())
                .toList();
        for (VersionStatus candidate : candidates) {
            VersionStatus verified = verify(candidate.version());
            if (verified.isComplete()) {
                return Optional.of(verified);
            }
        }
        return Optional.empty();
    }

    /** Closes this repository's file system instance. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            fs.close();
        } catch (IOException | RuntimeException e) {
            throw redactor.failure("closing the file system of " + uri + " failed", e);
        }
    }

    private void ensureOpen(String operation) {
        if (closed) {
            throw new IllegalStateException(
                    "model repository " + uri + " is closed; cannot " + operation + " (open a new ModelRepository)");
        }
    }
}
