package io.distillery.jobs.spark;

import io.distillery.core.train.ProcessStats;
import java.util.Locale;

/**
 * A training task's progress as a tiny JSON document in the stage directory ({@value #FILE}),
 * rewritten every few seconds by rank 0 and read by the driver's {@link ProgressMonitor}. A file, not
 * an RPC: it works the same in local mode, on a standalone cluster, YARN or Kubernetes. It also
 * carries the native thread count and resident memory of rank 0's process, which must stay flat over
 * a long run (-1 where {@code /proc} is not readable).
 */
public record Progress(
    int epoch, int epochs, long step, long stepsPerEpoch, double loss, double accuracy, boolean epochDone,
    int threads, long rssMib) {
  public static final String FILE = "progress.json";

  /** Progress of rank 0's process as it stands now. */
  public static Progress now(int epoch, int epochs, long step, long stepsPerEpoch, double loss, double accuracy, boolean epochDone) {
    long rss = ProcessStats.residentBytes();
    return new Progress(epoch, epochs, step, stepsPerEpoch, loss, accuracy, epochDone, ProcessStats.threads(),
        rss < 0 ? -1 : rss >> 20);
  }

  public String toJson() {
    return String.format(
        Locale.ROOT,
        "{\"epoch\":%d,\"epochs\":%d,\"step\":%d,\"steps_per_epoch\":%d,\"loss\":%.6f,\"accuracy\":%.6f,\"epoch_done\":%b,"
            + "\"threads\":%d,\"rss_mib\":%d}",
        epoch, epochs, step, stepsPerEpoch, loss, accuracy, epochDone, threads, rssMib);
  }

  public static Progress parse(String json) {
    return new Progress(
        (int) number(json, "epoch"), (int) number(json, "epochs"), (long) number(json, "step"),
        (long) number(json, "steps_per_epoch"), number(json, "loss"), number(json, "accuracy"),
        json.contains("\"epoch_done\":true"), (int) number(json, "threads", -1), (long) number(json, "rss_mib", -1));
  }

  private static double number(String json, String key) {
    double v = number(json, key, Double.NaN);
    if (Double.isNaN(v)) {
      throw new IllegalArgumentException("progress without " + key + ": " + json);
    }
    return v;
  }

  private static double number(String json, String key, double absent) {
    String k = "\"" + key + "\":";
    int i = json.indexOf(k);
    if (i < 0) {
      return absent;
    }
    int start = i + k.length();
    int end = start;
    while (end < json.length() && "0123456789.-eE+".indexOf(json.charAt(end)) >= 0) {
      end++;
    }
    return Double.parseDouble(json.substring(start, end));
  }
}
