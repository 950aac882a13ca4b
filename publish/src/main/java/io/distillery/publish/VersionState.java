package io.distillery.publish;

/** What a numbered version directory holds, as judged against its {@code manifest.json}. */
public enum VersionState {
    /** The manifest exists and every file it lists is present with the listed size (and, when
     *  verified, the listed sha256); no other file is present. */
    COMPLETE,
    /** No manifest: a publish is running, or was killed before writing it (S3 only; on stores with
     *  an atomic rename a version never appears without its manifest). */
    INCOMPLETE,
    /** A manifest exists, but it is unreadable or the files disagree with it. */
    CORRUPT
}
