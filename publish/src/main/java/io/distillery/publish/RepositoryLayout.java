package io.distillery.publish;

import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Pattern;

/** Names inside a model directory: versions, staging directories, claims, and what may be called what. */
final class RepositoryLayout {

    /** Prefix of a staging directory: {@code _staging-<runId>-<nonce>}. */
    static final String STAGING_PREFIX = "_staging-";
    /** Prefix of an S3 publisher's claim on a version: {@code <version>/_publishing-<runId>-<nonce>}. */
    static final String CLAIM_PREFIX = "_publishing-";

    private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}");
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");
    private static final int NONCE_LENGTH = 16;

    private RepositoryLayout() {}

    /** The version number a directory name stands for, as TensorFlow Serving reads it. */
    static OptionalLong version(String name) {
        return VERSION.matcher(name).matches() ? OptionalLong.of(Long.parseLong(name)) : OptionalLong.empty();
    }

    static boolean isStaging(String name) {
        return name.startsWith(STAGING_PREFIX);
    }

    static String stagingName(String runId) {
        return STAGING_PREFIX + runId + "-" + nonce();
    }

    static String claimName(String runId) {
        return CLAIM_PREFIX + runId + "-" + nonce();
    }

    /** Whether a file, relative to its version directory, is a publisher's claim. */
    static boolean isClaim(String relativePath) {
        return relativePath.startsWith(CLAIM_PREFIX)
                && relativePath.indexOf('/') < 0
                && relativePath.length() > CLAIM_PREFIX.length() + NONCE_LENGTH + 1;
    }

    /** The run a claim was written for. */
    static String claimRunId(String claimName) {
        return claimName.substring(CLAIM_PREFIX.length(), claimName.length() - NONCE_LENGTH - 1);
    }

    static void requireRunId(String runId) {
        if (runId == null || !RUN_ID.matcher(runId).matches()) {
            throw new IllegalArgumentException("run id must match " + RUN_ID.pattern()
                    + " (it names staging directories and claims), found '" + runId + "'");
        }
    }

    static void requireModelName(String name) {
        if (name == null || !MODEL_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("model name (the last segment of the model path) must match "
                    + MODEL_NAME.pattern() + ", found '" + name + "'");
        }
    }

    private static String nonce() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, NONCE_LENGTH);
    }
}
