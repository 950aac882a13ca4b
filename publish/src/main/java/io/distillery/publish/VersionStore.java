package io.distillery.publish;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.util.functional.RemoteIterators;

/**
 * The file operations on one model directory that every commit protocol shares: listing versions,
 * judging them against their manifests, writing files and reading them back.
 */
final class VersionStore {

    /** Largest manifest this store reads; a bigger one is not a manifest this package wrote. */
    private static final int MAX_MANIFEST_BYTES = 64 << 20;

    private final FileSystem fs;
    private final Path modelPath;
    private final String modelName;
    private final Redactor redactor;

    /**
     * One read of the model directory.
     *
     * @param versions integer-named directories by number
     * @param staging  {@code _staging-*} directories
     */
    record Listing(SortedMap<Long, FileStatus> versions, List<FileStatus> staging) {
        Listing {
            versions = Collections.unmodifiableSortedMap(new TreeMap<>(versions));
            staging = List.copyOf(staging);
        }

        /** One above every numbered directory, complete or not, so nothing is ever overwritten. */
        long nextVersion() {
            return versions.isEmpty() ? 1 : versions.lastKey() + 1;
        }
    }

    /**
     * One numbered directory as found.
     *
     * @param dir          the directory
     * @param files        every file under it by relative path
     * @param lastActivity newest modification time of it and its files
     * @param status       its state judged on presence and sizes (no hashing)
     */
    record VersionScan(Path dir, Map<String, FileStatus> files, Instant lastActivity, VersionStatus status) {
        VersionScan {
            files = Collections.unmodifiableMap(new TreeMap<>(files));
        }

        long version() {
            return status.version();
        }

        /** Claims of running S3 publishers inside this version. */
        List<String> claims() {
            return files.keySet().stream().filter(RepositoryLayout::isClaim).toList();
        }
    }

    VersionStore(FileSystem fs, Path modelPath, String modelName, Redactor redactor) {
        this.fs = Objects.requireNonNull(fs, "fs");
        this.modelPath = Objects.requireNonNull(modelPath, "modelPath");
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        this.redactor = Objects.requireNonNull(redactor, "redactor");
    }

    /** A one-line description of {@code failure} that is safe to log. */
    String describe(Throwable failure) {
        return redactor.redact(failure.getClass().getSimpleName() + ": " + Messages.firstLine(failure.getMessage()));
    }

    FileSystem fs() {
        return fs;
    }

    Path modelPath() {
        return modelPath;
    }

    String modelName() {
        return modelName;
    }

    Path versionPath(long version) {
        return new Path(modelPath, Long.toString(version));
    }

    /** {@code path} as shown in messages and results: no user-info, {@code file:///x} rather than {@code file:/x}. */
    URI uri(Path path) {
        URI uri = Redactor.withoutUserInfo(path.toUri());
        if (uri.getScheme() != null
                && uri.getRawAuthority() == null
                && uri.getRawPath() != null
                && uri.getRawPath().startsWith("/")) {
            return URI.create(uri.getScheme() + "://" + uri.getRawPath());
        }
        return uri;
    }

    /** Lists the model directory; a missing one is an empty repository. */
    Listing list() throws IOException {
        FileStatus[] children;
        try {
            children = Steps.step("listing " + uri(modelPath), () -> fs.listStatus(modelPath));
        } catch (ModelRepositoryException e) {
            if (e.getCause() instanceof FileNotFoundException) {
                return new Listing(new TreeMap<>(), List.of());
            }
            throw e;
        }
        SortedMap<Long, FileStatus> versions = new TreeMap<>();
        List<FileStatus> staging = new ArrayList<>();
        for (FileStatus child : children) {
            String name = child.getPath().getName();
            if (!child.isDirectory()) {
                continue;
            }
            OptionalLong version = RepositoryLayout.version(name);
            if (version.isPresent()) {
                versions.put(version.getAsLong(), child);
            } else if (RepositoryLayout.isStaging(name)) {
                staging.add(child);
            }
        }
        return new Listing(versions, staging);
    }

    /** Scans every numbered directory of {@code listing}; one deleted meanwhile is left out. */
    List<VersionScan> scanAll(Listing listing) throws IOException {
        List<VersionScan> scans = new ArrayList<>();
        for (Map.Entry<Long, FileStatus> entry : listing.versions().entrySet()) {
            Map<String, FileStatus> files = files(entry.getValue().getPath());
            if (files.isEmpty() && !exists(entry.getValue().getPath())) {
                continue;
            }
            VersionStatus status = judge(entry.getKey(), entry.getValue().getPath(), files, false);
            scans.add(new VersionScan(
                    entry.getValue().getPath(), files, lastActivity(entry.getValue(), files.values()), status));
        }
        return scans;
    }

    /** Re-reads and re-hashes every file of one version. */
    VersionStatus verify(long version) throws IOException {
        Path dir = versionPath(version);
        if (!exists(dir)) {
            throw new ModelRepositoryException("version " + version + " does not exist at " + uri(dir)
                    + "; existing versions: " + list().versions().keySet());
        }
        return judge(version, dir, files(dir), true);
    }

    /**
     * The state of a version: {@code INCOMPLETE} without manifest, {@code CORRUPT} when the manifest is
     * unreadable, names another version or model, or disagrees with the files (presence, size, and
     * with {@code deep} the sha256; files the manifest does not list count too, except claims).
     */
    VersionStatus judge(long version, Path dir, Map<String, FileStatus> files, boolean deep) throws IOException {
        URI uri = uri(dir);
        if (!files.containsKey(Manifest.FILE_NAME)) {
            return new VersionStatus(
                    version,
                    uri,
                    VersionState.INCOMPLETE,
                    null,
                    List.of(new FileProblem(Manifest.FILE_NAME, "present (written last by a publisher)", "missing")));
        }
        Path manifestPath = new Path(dir, Manifest.FILE_NAME);
        byte[] json = readBytes(manifestPath);
        Manifest manifest;
        try {
            manifest = parseManifest(json, manifestPath);
        } catch (ModelRepositoryException e) {
            return new VersionStatus(
                    version,
                    uri,
                    VersionState.CORRUPT,
                    null,
                    List.of(new FileProblem(Manifest.FILE_NAME, "a valid manifest", e.getMessage())));
        }
        List<FileProblem> problems = new ArrayList<>();
        if (manifest.version() != version) {
            problems.add(new FileProblem(Manifest.FILE_NAME, "version " + version, "version " + manifest.version()));
        }
        if (!manifest.modelName().equals(modelName)) {
            problems.add(new FileProblem(
                    Manifest.FILE_NAME, "model_name '" + modelName + "'", "model_name '" + manifest.modelName() + "'"));
        }
        for (ManifestFile entry : manifest.files()) {
            FileStatus status = files.get(entry.path());
            if (status == null) {
                problems.add(new FileProblem(entry.path(), FileDigest.describe(entry), "missing"));
            } else if (status.getLen() != entry.size()) {
                problems.add(new FileProblem(entry.path(), "size " + entry.size(), "size " + status.getLen()));
            } else if (deep) {
                FileDigest digest = digest(status.getPath());
                if (!digest.matches(entry)) {
                    problems.add(new FileProblem(entry.path(), FileDigest.describe(entry), digest.describe()));
                }
            }
        }
        for (Map.Entry<String, FileStatus> present : files.entrySet()) {
            String path = present.getKey();
            if (!path.equals(Manifest.FILE_NAME) && manifest.file(path).isEmpty() && !RepositoryLayout.isClaim(path)) {
                problems.add(new FileProblem(
                        path,
                        "no such file (manifest.json does not list it)",
                        "size " + present.getValue().getLen()));
            }
        }
        return new VersionStatus(
                version, uri, problems.isEmpty() ? VersionState.COMPLETE : VersionState.CORRUPT, manifest, problems);
    }

    /** Every file under {@code dir} by '/'-separated relative path; empty when {@code dir} is missing. */
    Map<String, FileStatus> files(Path dir) throws IOException {
        Map<String, FileStatus> files = new TreeMap<>();
        String prefix = dir.toUri().getPath() + "/";
        RemoteIterator<LocatedFileStatus> it = null;
        try {
            it = fs.listFiles(dir, true);
            while (it.hasNext()) {
                LocatedFileStatus status = it.next();
                String path = status.getPath().toUri().getPath();
                if (!path.startsWith(prefix)) {
                    throw new ModelRepositoryException(
                            "listing " + uri(dir) + " returned " + uri(status.getPath()) + ", which is not under it");
                }
                files.put(path.substring(prefix.length()), status);
            }
        } catch (FileNotFoundException e) {
            return new TreeMap<>();
        } catch (ModelRepositoryException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ModelRepositoryException(
                    "listing files under " + uri(dir) + ": " + e.getClass().getSimpleName() + ": "
                            + Messages.firstLine(e.getMessage()),
                    e);
        } finally {
            if (it != null) {
                RemoteIterators.cleanupRemoteIterator(it);
            }
        }
        return files;
    }

    boolean exists(Path path) throws IOException {
        return Steps.step("checking " + uri(path), () -> fs.exists(path));
    }

    /** Newest modification time of a directory and the files under it. */
    static Instant lastActivity(FileStatus dir, Collection<FileStatus> files) {
        return Instant.ofEpochMilli(Math.max(
                dir.getModificationTime(),
                files.stream().mapToLong(FileStatus::getModificationTime).max().orElse(Long.MIN_VALUE)));
    }

    /** Newest modification time under {@code dir} (listed now). */
    Instant lastActivity(FileStatus dir) throws IOException {
        return lastActivity(dir, files(dir.getPath()).values());
    }

    /** Copies one local file to {@code dir/<its relative path>}; fails if the target exists. */
    void upload(LocalVersion.LocalFile file, Path dir) throws IOException {
        Path target = new Path(dir, file.entry().path());
        Steps.run("writing " + uri(target), () -> {
            try (InputStream in = Files.newInputStream(file.source());
                    FSDataOutputStream out = fs.create(target, false)) {
                in.transferTo(out);
            }
        });
    }

    /** Reads an uploaded file back and checks its size and sha256 against the manifest entry. */
    void checkUploaded(LocalVersion.LocalFile file, Path dir) throws IOException {
        Path target = new Path(dir, file.entry().path());
        FileDigest digest = digest(target);
        if (!digest.matches(file.entry())) {
            throw new ModelRepositoryException("read-back of " + uri(target) + " (from " + file.source()
                    + ") after writing it: expected " + FileDigest.describe(file.entry()) + ", found "
                    + digest.describe());
        }
    }

    /** Writes {@code dir/manifest.json} and reads it back byte for byte. */
    void writeManifest(Path dir, Manifest manifest, boolean overwrite) throws IOException {
        Path target = new Path(dir, Manifest.FILE_NAME);
        byte[] json = ManifestCodec.write(manifest);
        Steps.run("writing " + uri(target), () -> {
            try (FSDataOutputStream out = fs.create(target, overwrite)) {
                out.write(json);
            }
        });
        byte[] back = readBytes(target);
        if (!Arrays.equals(json, back)) {
            throw new ModelRepositoryException("read-back of " + uri(target) + " after writing it: expected "
                    + json.length + " bytes as written, found " + back.length + " different bytes");
        }
    }

    private Manifest parseManifest(byte[] json, Path file) throws ModelRepositoryException {
        if (json.length > MAX_MANIFEST_BYTES) {
            throw new ModelRepositoryException(uri(file) + " is larger than " + MAX_MANIFEST_BYTES
                    + " bytes; expected a manifest of a few kilobytes");
        }
        return ManifestCodec.read(json, uri(file).toString());
    }

    /** Deletes a directory tree; a missing one is fine. */
    void deleteTree(Path dir) throws IOException {
        Steps.run("deleting " + uri(dir), () -> fs.delete(dir, true));
    }

    private FileDigest digest(Path path) throws IOException {
        return Steps.step("reading " + uri(path), () -> {
            try (FSDataInputStream in = fs.open(path)) {
                return FileDigest.of(in);
            }
        });
    }

    private byte[] readBytes(Path path) throws IOException {
        return Steps.step("reading " + uri(path), () -> {
            try (FSDataInputStream in = fs.open(path)) {
                return in.readNBytes(MAX_MANIFEST_BYTES + 1);
            }
        });
    }
}
