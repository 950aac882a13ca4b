/**
 * Versioned, verified publishing of a model version to any Hadoop {@code FileSystem}.
 *
 * <p>A model repository is a directory {@code <base>/<name>} ({@code file://}, {@code hdfs://},
 * {@code s3a://}) whose integer-named children are versions, each holding the exported files and a
 * {@code manifest.json} (caller fields plus {@code model_name}, {@code version}, {@code run_id},
 * {@code created} and, per file, its size, gzip size and sha256). {@link io.distillery.publish.ModelRepository}
 * is the entry point; how a version is made visible depends on the store (a package-private
 * {@code CommitProtocol}):
 * <ul>
 *   <li><b>HDFS, local and every store with an atomic rename</b>: files go to
 *   {@code _staging-<runId>-<nonce>/}, are read back and checked, and then ONE rename that fails
 *   when the target exists moves them to {@code <version>/}. A reader that lists {@code <base>/<name>}
 *   and takes integer names (TensorFlow Serving's rule) never sees a half-written version.</li>
 *   <li><b>S3 ({@code s3a://})</b>: rename is a copy, so files are uploaded straight into
 *   {@code <version>/} and {@code manifest.json} is written last; a version is complete only when its
 *   manifest exists and every size and sha256 in it matches.</li>
 * </ul>
 *
 * <p><b>Serving from S3.</b> TensorFlow Serving's default policy loads the highest integer directory
 * as soon as it appears, which on S3 can be a version whose upload is still running (or was killed).
 * Do not point an S3 TF Serving at {@code <base>/<name>} with the "latest" policy. Point it there with
 * a model config file whose {@code model_version_policy { specific { versions: N } }} names a version
 * that a deploy step picked with {@link io.distillery.publish.ModelRepository#latestComplete()}
 * (manifest present, every hash re-checked), and let TF Serving re-read that file
 * ({@code --model_config_file_poll_wait_seconds}). The version directory is then complete before any
 * server is told about it, nothing is copied twice, and rolling back is one edit of the config file.
 * On HDFS and local stores the plain "latest" policy is safe.
 *
 * <p>Messages never contain secrets: URIs with user-info are refused, and values of sensitive Hadoop
 * configuration keys ({@code fs.s3a.secret.key} and the like) are masked in every exception.
 */
package io.distillery.publish;
