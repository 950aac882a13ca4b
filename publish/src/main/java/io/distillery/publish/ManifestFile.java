package io.distillery.publish;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One published file as the manifest records it.
 *
 * @param path     relative to the version directory, '/'-separated, no '.' or '..' segments
 * @param size     bytes
 * @param gzipSize bytes after gzip at the default level: what a browser download of it costs
 * @param sha256   lowercase hex
 */
public record ManifestFile(String path, long size, long gzipSize, String sha256) {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public ManifestFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(sha256, "sha256");
        requireRelativePath(path);
        if (size < 0) {
            throw new IllegalArgumentException("size of '" + path + "' must be >= 0, found " + size);
        }
        if (gzipSize < 0) {
            throw new IllegalArgumentException("gzip size of '" + path + "' must be >= 0, found " + gzipSize);
        }
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException(
                    "sha256 of '" + path + "' must be 64 lowercase hex digits, found '" + sha256 + "'");
        }
    }

    /** Checks that {@code path} can name a file inside a version directory on every store. */
    static void requireRelativePath(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/")) {
            throw new IllegalArgumentException("file path must be relative and name a file, found '" + path + "'");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException(
                        "file path must not contain empty, '.' or '..' segments, found '" + path + "'");
            }
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            // ':' breaks Hadoop Path parsing; '\' and control characters differ between stores.
            if (c == ':' || c == '\\' || Character.isISOControl(c)) {
                throw new IllegalArgumentException(
                        "file path must not contain ':', '\\' or control" + " characters, found '" + path + "'");
            }
        }
    }
}
