package io.distillery.jobs.spark;

import java.util.Locale;

/**
 * A training task's progress as a tiny JSON document in the stage directory ({@value #FILE}),
 * rewritten every few seconds by rank 0 and read by the driver's {@link ProgressMonitor}. A file, not
 * an RPC: it works the same in local mode, on a standalone cluster, YARN or Kubernetes.
 */
public record Progress(int epoch, int epochs, long step, long stepsPerEpoch, double loss, double accuracy, boolean epochDone) {
  public static final String FILE = "progress.json";

  public String toJson() {
    return String.format(
        Locale.ROOT,
        "{\"epoch\":%d,\"epochs\":%d,\"step\":%d,\"steps_per_epoch\":%d,\"loss\":%.6f,\"accuracy\":%.6f,\"epoch_done\":%b}",
        epoch, epochs, step, stepsPerEpoch, loss, accuracy, epochDone);
  }

  public static Progress parse(String json) {
    return new Progress(
        (int) number(json, "epoch"), (int) number(json, "epochs"), (long) number(json, "step"),
        (long) number(json, "steps_per_epoch"), number(json, "loss"), number(json, "accuracy"),
        json.contains("\"epoch_done\":true"));
  }

  private static double number(String json, String key) {
    String k = "\"" + key + "\":";
    int i = json.indexOf(k);
    if (i < 0) {
      throw new IllegalArgumentException("progress without " + key + ": " + json);
    }
    int start = i + k.length();
    int end = start;
    while (end < json.length() && "0123456789.-eE+".indexOf(json.charAt(end)) >= 0) {
      end++;
    }
    return Double.parseDouble(json.substring(start, end));
  }
}
