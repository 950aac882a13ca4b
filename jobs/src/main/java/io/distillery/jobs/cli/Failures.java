package io.distillery.jobs.cli;

import io.distillery.core.train.TrainingDivergedException;
import io.distillery.jobs.config.ConfigException;
import io.distillery.jobs.data.DataException;
import io.distillery.jobs.pipeline.MissingStageException;
import io.distillery.jobs.pipeline.QualityGateException;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps a failure to an exit code and a one-line message. Spark wraps task failures in
 * {@code SparkException}s; the cause chain (or, across JVMs, the message) still names the original
 * exception, which decides the code.
 */
public final class Failures {
  private static final Pattern REMOTE =
      Pattern.compile("(io\\.distillery\\.[\\w.]+(?:Exception))(?::\\s*([^\\n]*))?");

  private static final Pattern SPARK_DATA_ERRORS =
      Pattern.compile(
          "CANNOT_READ_FILE_FOOTER|FAILED_READ_FILE|MALFORMED_RECORD_IN_PARSING|Malformed records are detected");

  private Failures() {}

  public record Failure(int exitCode, String message) {}

  public static Failure classify(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      Failure f = known(c, c.getMessage());
      if (f != null) {
        return f;
      }
    }
    // A task failure from another JVM: "... io.distillery.jobs.data.DataException: file row 3: ..."
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m == null) {
        continue;
      }
      Matcher matcher = REMOTE.matcher(m);
      if (matcher.find()) {
        String cls = matcher.group(1);
        String msg = matcher.group(2) == null ? m : matcher.group(2);
        if (cls.endsWith("DataException")) {
          return new Failure(ExitCodes.DATA, msg);
        }
        if (cls.endsWith("ConfigException")) {
          return new Failure(ExitCodes.CONFIG, msg);
        }
        if (cls.endsWith("TrainingDivergedException")) {
          return new Failure(ExitCodes.TRAINING, msg);
        }
      }
    }
    // Spark's own errors for unreadable input files: bad data (exit 3), with Spark's message, which
    // names the file.
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && SPARK_DATA_ERRORS.matcher(m).find()) {
        String hint = m.contains("FOOTER") || m.toLowerCase(java.util.Locale.ROOT).contains("parquet")
            ? " (read as Parquet: a directory is read as Parquet unless data.format says csv or arrow)" : "";
        return new Failure(ExitCodes.DATA, "bad data: " + firstLine(m) + hint);
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof IOException || c instanceof java.io.UncheckedIOException) {
        return new Failure(ExitCodes.STORAGE, "storage: " + c.getMessage());
      }
    }
    if (t.getClass().getName().startsWith("org.apache.spark")) {
      return new Failure(ExitCodes.TRAINING, "Spark job failed: " + firstLine(t.getMessage()));
    }
    return new Failure(ExitCodes.INTERNAL, t.getClass().getSimpleName() + ": " + t.getMessage());
  }

  private static Failure known(Throwable c, String message) {
    if (c instanceof ConfigException || c instanceof picocli.CommandLine.ParameterException) {
      return new Failure(ExitCodes.CONFIG, message);
    }
    if (c instanceof DataException) {
      return new Failure(ExitCodes.DATA, message);
    }
    if (c instanceof TrainingDivergedException || c instanceof MissingStageException) {
      return new Failure(ExitCodes.TRAINING, message);
    }
    if (c instanceof QualityGateException) {
      return new Failure(ExitCodes.VERIFY, message);
    }
    if (c.getClass().getName().equals("io.distillery.publish.ModelRepositoryException")) {
      return new Failure(ExitCodes.STORAGE, message);
    }
    return null;
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
