package io.distillery.publish;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Publishing where a directory rename is atomic and can refuse an existing target (HDFS, local):
 * upload to {@code _staging-<runId>-<nonce>/}, read every file back, write the manifest, then one
 * rename to {@code <version>/}. A lost race (the number was taken meanwhile) rewrites only the manifest
 * and renames to the next number.
 */
record StagingRenameProtocol(VersionStore store, PublishOptions options, DirectoryRename rename)
        implements CommitProtocol {

    private static final System.Logger LOG = System.getLogger(StagingRenameProtocol.class.getName());

    @Override
    public PublishResult publish(PublishRequest request) throws IOException {
        List<URI> removed = new ArrayList<>();
        Path staging = null;
        try {
            for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
                VersionStore.Listing listing = store.list();
                Optional<VersionStore.VersionScan> done =
                        CommitProtocol.completeVersionOf(store.scanAll(listing), request.runId());
                if (done.isPresent()) {
                    if (staging != null) {
                        store.deleteTree(staging);
                    }
                    return new PublishResult(
                            done.get().version(), store.uri(done.get().dir()), true, removed);
                }
                removeStaleStaging(listing, staging, removed);
                if (staging == null) {
                    staging = stage(request);
                }
                long version = listing.nextVersion();
                store.writeManifest(
                        staging,
                        request.manifest(
                                store.modelName(), version, options.clock().instant()),
                        true);
                report(PublishListener.Change.MANIFEST_WRITTEN, new Path(staging, Manifest.FILE_NAME));
                Path from = staging;
                Path target = store.versionPath(version);
                boolean renamed = Steps.step(
                        "renaming " + store.uri(from) + " to " + store.uri(target),
                        () -> rename.renameIfAbsent(from, target));
                if (renamed) {
                    report(PublishListener.Change.RENAMED, target);
                    return new PublishResult(version, store.uri(target), false, removed);
                }
                // Another publisher took this number between our listing and our rename: list again.
            }
            throw new ModelRepositoryException("every version number tried was taken by a concurrent"
                    + " publisher (" + options.maxAttempts() + " attempts); retry, or raise"
                    + " PublishOptions.maxAttempts");
        } catch (IOException | RuntimeException | Error e) {
            if (staging != null) {
                Path leftover = staging;
                Steps.cleanUp(e, () -> store.deleteTree(leftover));
            }
            throw e;
        }
    }

    /**
     * Creates the staging directory, uploads every file and reads each one back; a failure on the
     * way (a full or vanished target) deletes the staging directory before it is thrown.
     */
    private Path stage(PublishRequest request) throws IOException {
        Path staging = new Path(store.modelPath(), RepositoryLayout.stagingName(request.runId()));
        Steps.run("creating staging directory " + store.uri(staging), () -> {
            if (!store.fs().mkdirs(staging)) {
                throw new IOException("mkdirs returned false" + localReason(staging));
            }
        });
        try {
            report(PublishListener.Change.STAGING_CREATED, staging);
            for (LocalVersion.LocalFile file : request.local().files()) {
                store.upload(file, staging);
                report(
                        PublishListener.Change.FILE_WRITTEN,
                        new Path(staging, file.entry().path()));
            }
            for (LocalVersion.LocalFile file : request.local().files()) {
                store.checkUploaded(file, staging);
            }
            return staging;
        } catch (IOException | RuntimeException | Error e) {
            Steps.cleanUp(e, () -> store.deleteTree(staging));
            throw e;
        }
    }

    /** Hadoop's local mkdirs says only "false"; Java's says why (read-only file system, permission). */
    private static String localReason(Path dir) {
        if (!"file".equals(dir.toUri().getScheme())) {
            return "";
        }
        try {
            java.nio.file.Files.createDirectories(java.nio.file.Path.of(dir.toUri()));
            return "";
        } catch (IOException | RuntimeException e) {
            return " (" + e.getClass().getSimpleName() + ": " + Messages.firstLine(e.getMessage()) + ")";
        }
    }

    private void report(PublishListener.Change change, Path target) {
        options.listener().changed(change, store.uri(target));
    }

    /** Deletes other publishers' staging directories that saw no write for the stale age. */
    private void removeStaleStaging(VersionStore.Listing listing, Path own, List<URI> removed) {
        for (FileStatus dir : listing.staging()) {
            if (dir.getPath().getName().equals(own == null ? null : own.getName())) {
                continue;
            }
            try {
                if (!CommitProtocol.isStale(
                        store.lastActivity(dir), options.clock().instant(), options)) {
                    continue;
                }
                store.deleteTree(dir.getPath());
            } catch (IOException | RuntimeException e) {
                // Not ours to fail on: the leftover stays for the next publisher.
                LOG.log(
                        System.Logger.Level.WARNING,
                        "could not remove stale staging directory " + store.uri(dir.getPath()) + ": "
                                + store.describe(e));
                continue;
            }
            removed.add(store.uri(dir.getPath()));
            report(PublishListener.Change.LEFTOVER_REMOVED, dir.getPath());
        }
    }
}
