package io.distillery.publish;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.hdfs.DistributedFileSystem;

/**
 * How a store makes a new version visible, chosen from the file system's scheme: {@code s3a} has no
 * atomic rename, so its versions are written in place with the manifest last; every other store
 * stages and renames (POSIX rename on {@code file}, {@code rename2} on HDFS, {@code FileContext}
 * rename with overwrite refused elsewhere).
 */
sealed interface CommitProtocol permits StagingRenameProtocol, ManifestLastProtocol {

    /** Publishes (or finds the already published version of) {@code request}'s run. */
    PublishResult publish(PublishRequest request) throws IOException;

    static CommitProtocol forStore(VersionStore store, Configuration conf, PublishOptions options) throws IOException {
        String scheme = store.modelPath().toUri().getScheme();
        if ("s3a".equals(scheme)) {
            return new ManifestLastProtocol(store, options);
        }
        DirectoryRename rename;
        if ("file".equals(scheme)) {
            rename = new DirectoryRename.LocalRename();
        } else if (store.fs() instanceof DistributedFileSystem hdfs) {
            rename = new DirectoryRename.HdfsRename(hdfs);
        } else {
            rename = new DirectoryRename.FileContextRename(Steps.step(
                    "opening a FileContext for " + store.uri(store.modelPath()),
                    () -> FileContext.getFileContext(store.modelPath().toUri(), conf)));
        }
        return new StagingRenameProtocol(store, options, rename);
    }

    /** A complete version whose manifest names {@code runId}, the lowest if several. */
    static Optional<VersionStore.VersionScan> completeVersionOf(List<VersionStore.VersionScan> scans, String runId) {
        return scans.stream()
                .filter(scan -> scan.status().isComplete()
                        && scan.status().manifest().runId().equals(runId))
                .findFirst();
    }

    /** Whether something last touched at {@code lastActivity} counts as left by a killed publisher. */
    static boolean isStale(Instant lastActivity, Instant now, PublishOptions options) {
        return !lastActivity.plus(options.staleAge()).isAfter(now);
    }
}
