package io.distillery.serve.model;

import io.distillery.publish.Manifest;
import io.distillery.publish.ManifestFile;
import io.distillery.publish.Messages;
import io.distillery.publish.VersionStatus;
import io.distillery.serve.batch.BatchingOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.tensorflow.SavedModelBundle;

/**
 * Turns a COMPLETE version in storage into a {@link ServableVersion}: copies exactly the files its
 * manifest lists to a local directory (TensorFlow reads local files only), checking each file's size
 * and sha256 on the bytes copied, then loads the SavedModel with tag {@code serve} and warms it up.
 *
 * <p>Checking the copy rather than the store means the bytes TensorFlow loads are the bytes that were
 * verified, and each file is read from storage once.
 */
public final class VersionLoader {
    /** The tag Distillery's SavedModels (and TF Serving) use. */
    public static final String SERVE_TAG = "serve";

    private static final String SAVED_MODEL = "saved_model.pb";

    private final FileSystem fs;
    private final Path cacheDir;
    private final Optional<BatchingOptions> batching;
    private final Duration requestTimeout;
    private final IntConsumer batchSizes;

    /**
     * @param fs             the file system of the model's base path (the caller owns and closes it)
     * @param cacheDir       where local copies of loaded versions live; each is removed on unload
     * @param batching       batching for every batchable signature, or none
     * @param requestTimeout how long a request waits for its batch
     * @param batchSizes     told the rows of every TensorFlow call
     */
    public VersionLoader(
            FileSystem fs,
            Path cacheDir,
            Optional<BatchingOptions> batching,
            Duration requestTimeout,
            IntConsumer batchSizes) {
        this.fs = Objects.requireNonNull(fs, "fs");
        this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
        this.batching = Objects.requireNonNull(batching, "batching");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.batchSizes = Objects.requireNonNull(batchSizes, "batchSizes");
    }

    /** A loaded version and the local directory it was loaded from (deleted by {@link #unload}). */
    public record Loaded(ServableVersion servable, Path localDir) {
        public Loaded {
            Objects.requireNonNull(servable, "servable");
            Objects.requireNonNull(localDir, "localDir");
        }
    }

    /** Copies, verifies and loads {@code status}, which must be COMPLETE. */
    public Loaded load(String modelName, VersionStatus status) throws VersionLoadException {
        if (!status.isComplete()) {
            throw new IllegalArgumentException("version " + status.version() + " is " + status.state()
                    + "; only COMPLETE" + " versions are served");
        }
        Manifest manifest = status.manifest();
        String what = "version " + status.version();
        if (manifest.file(SAVED_MODEL).isEmpty()) {
            throw new VersionLoadException(
                    "NOT_FOUND",
                    what + " has no " + SAVED_MODEL + " in its manifest; it is not a" + " SavedModel export",
                    null);
        }
        Path localDir = cacheDir.resolve(modelName + "-" + status.version() + "-" + UUID.randomUUID());
        try {
            copyVerified(status, manifest, localDir);
            SavedModelBundle bundle;
            try {
                bundle = SavedModelBundle.load(localDir.toString(), SERVE_TAG);
            } catch (RuntimeException e) {
                throw new VersionLoadException(
                        "UNKNOWN",
                        what + ": TensorFlow could not load the SavedModel (tag '" + SERVE_TAG + "'): "
                                + Messages.firstLine(e.getMessage()).replace(localDir.toString(), "<local copy>"),
                        e);
            }
            ServableVersion servable;
            try {
                servable =
                        ServableVersion.open(modelName, status.version(), bundle, batching, requestTimeout, batchSizes);
            } catch (RuntimeException e) {
                throw new VersionLoadException(
                        "INVALID_ARGUMENT", what + ": unusable signatures: " + e.getMessage(), e);
            }
            try {
                servable.warmUp();
            } catch (RuntimeException e) {
                servable.close();
                throw new VersionLoadException("UNKNOWN", what + ": " + e.getMessage(), e);
            }
            return new Loaded(servable, localDir);
        } catch (VersionLoadException e) {
            deleteQuietly(localDir);
            throw e;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(localDir);
            throw new VersionLoadException(
                    "UNAVAILABLE",
                    what + ": copying it from storage failed: " + e.getClass().getSimpleName(),
                    e);
        }
    }

    /** Closes the version (waiting for its requests) and deletes its local copy. */
    public void unload(Loaded loaded) {
        try {
            loaded.servable().close();
        } finally {
            deleteQuietly(loaded.localDir());
        }
    }

    private void copyVerified(VersionStatus status, Manifest manifest, Path localDir)
            throws IOException, VersionLoadException {
        Files.createDirectories(localDir);
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(status.uri());
        for (ManifestFile file : manifest.files()) {
            Path target = localDir.resolve(file.path()).normalize();
            if (!target.startsWith(localDir)) {
                throw new VersionLoadException(
                        "DATA_LOSS",
                        "version " + status.version() + ": manifest path '" + file.path()
                                + "' leaves the version directory",
                        null);
            }
            Files.createDirectories(target.getParent());
            MessageDigest sha256 = newSha256();
            long size;
            try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(remote, file.path()));
                    DigestInputStream digesting = new DigestInputStream(in, sha256);
                    OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
                size = digesting.transferTo(out);
            }
            String hash = HexFormat.of().formatHex(sha256.digest());
            if (size != file.size() || !hash.equals(file.sha256())) {
                throw new VersionLoadException(
                        "DATA_LOSS",
                        "version " + status.version() + ": " + file.path()
                                + " does not match its manifest: expected size " + file.size() + " sha256 "
                                + file.sha256()
                                + ", found size " + size + " sha256 " + hash + "; the version is not served",
                        null);
            }
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    static void deleteQuietly(Path dir) {
        try {
            deleteTree(dir);
        } catch (IOException e) {
            // a leftover in the cache directory; the next start uses a fresh one
        }
    }

    /** Deletes {@code dir} and everything below it; nothing if it does not exist. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
