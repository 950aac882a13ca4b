package io.distillery.jobs.pipeline;

import io.distillery.core.train.EpochMetrics;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code metrics.jsonl} at the top of a run directory: one JSON line per epoch and stage, plus one
 * per stage with its test accuracy. Rewritten whole (object stores cannot append).
 */
public final class MetricsLog {
    public static final String FILE = "metrics.jsonl";

    private MetricsLog() {}

    static synchronized void append(
            RunDirectory run, String stage, java.util.List<EpochMetrics> epochs, double testAccuracy)
            throws IOException {
        StringBuilder text = new StringBuilder(run.exists(FILE) ? run.readString(FILE) : "");
        for (EpochMetrics m : epochs) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("stage", stage);
            line.put("epoch", m.epoch() + 1);
            line.put("loss", m.loss());
            line.put("train_accuracy", m.accuracy());
            line.put("seconds", m.seconds());
            text.append(Pipeline.JSON
                            .writer()
                            .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(line))
                    .append('\n');
        }
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("stage", stage);
        done.put("test_accuracy", testAccuracy);
        text.append(Pipeline.JSON
                        .writer()
                        .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(done))
                .append('\n');
        run.writeString(FILE, text.toString());
    }
}
