package io.distillery.jobs.failure;

import io.distillery.publish.Messages;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps a failure to its {@link FailureKind} and a one-line message. Spark wraps task failures in
 * {@code SparkException}s; the cause chain (or, across JVMs, the message) still names the original
 * exception, which decides the kind.
 */
public final class Failures {
    private static final Pattern REMOTE =
            Pattern.compile("(io\\.distillery\\.[\\w.]+(?:Exception))(?::\\s*([^\\n]*))?");

    /** Spark's own errors for unreadable input files: bad data, with Spark's message (which names the file). */
    private static final Pattern SPARK_DATA_ERRORS = Pattern.compile(
            "CANNOT_READ_FILE_FOOTER|FAILED_READ_FILE|MALFORMED_RECORD_IN_PARSING|Malformed records are detected");

    private Failures() {}

    /** A classified failure: its kind (exit code, retry) and the message to show. */
    public record Failure(FailureKind kind, String message) {
        public int exitCode() {
            return kind.exitCode();
        }
    }

    public static Failure classify(Throwable t) {
        // Storage exceptions are only a fallback: a known kind deeper in the chain says more.
        for (Throwable c = t; c != null; c = c.getCause()) {
            FailureKind k = FailureKind.ofType(c);
            if (k != null && k != FailureKind.STORAGE) {
                return new Failure(k, c.getMessage());
            }
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            Matcher matcher = m == null ? null : REMOTE.matcher(m);
            if (matcher != null && matcher.find()) {
                FailureKind k = FailureKind.ofRemoteName(matcher.group(1));
                if (k != null && k != FailureKind.STORAGE) {
                    return new Failure(k, matcher.group(2) == null ? m : matcher.group(2));
                }
            }
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && SPARK_DATA_ERRORS.matcher(m).find()) {
                String hint = m.contains("FOOTER")
                                || m.toLowerCase(java.util.Locale.ROOT).contains("parquet")
                        ? " (read as Parquet: a directory is read as Parquet unless data.format says csv or arrow)"
                        : "";
                return new Failure(FailureKind.DATA, "bad data: " + Messages.firstLine(m) + hint);
            }
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (FailureKind.ofType(c) == FailureKind.STORAGE) {
                return new Failure(
                        FailureKind.STORAGE,
                        c instanceof io.distillery.publish.ModelRepositoryException
                                ? c.getMessage()
                                : "storage: " + c.getMessage());
            }
        }
        if (t.getClass().getName().startsWith("org.apache.spark")) {
            return new Failure(FailureKind.CLUSTER, "Spark job failed: " + Messages.firstLine(t.getMessage()));
        }
        return new Failure(FailureKind.INTERNAL, t.getClass().getSimpleName() + ": " + t.getMessage());
    }
}
