package io.distillery.publish;

import java.net.URI;

/**
 * Told after each change a publish makes to the store, in order: for progress reports, and for tests
 * that stop a publisher at a chosen point. Called on the publishing thread, so it must be quick; an
 * exception it throws fails the publish like a failed write would.
 */
@FunctionalInterface
public interface PublishListener {

    /** What was just changed. */
    enum Change {
        /** A staging directory was created (HDFS, local). */
        STAGING_CREATED,
        /** A claim on a version number was written (S3). */
        CLAIMED,
        /** A claim was withdrawn because another publisher was in the version (S3). */
        CLAIM_WITHDRAWN,
        /** One file of the export was written (and not yet read back). */
        FILE_WRITTEN,
        /** {@code manifest.json} was written and read back. */
        MANIFEST_WRITTEN,
        /** The staging directory was renamed to its version number: the version is visible (HDFS, local). */
        RENAMED,
        /** The claim of a now complete version was removed (S3). */
        CLAIM_REMOVED,
        /** A stale leftover of a killed publisher was deleted. */
        LEFTOVER_REMOVED
    }

    /** Ignores every change. */
    PublishListener NONE = (change, target) -> {};

    /** {@code change} happened to {@code target} (a file or directory URI without user-info). */
    void changed(Change change, URI target);
}
