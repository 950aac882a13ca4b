package io.distillery.stage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillery.core.train.ProcessStats;
import java.util.List;

/**
 * A training task's progress as a tiny JSON document in the stage directory ({@value #FILE}),
 * rewritten every few seconds by rank 0 and read by the driver's progress monitor. A file, not an
 * RPC: it works the same in local mode, on a standalone cluster, YARN or Kubernetes. It also carries
 * the native thread count and resident memory of rank 0's process, which must stay flat over a long
 * run (-1 where {@code /proc} is not readable).
 */
public record Progress(
        int epoch,
        int epochs,
        long step,
        long stepsPerEpoch,
        double loss,
        double accuracy,
        boolean epochDone,
        int threads,
        long rssMib) {
    public static final String FILE = "progress.json";
    /** Rank 0's record of each finished epoch: {@code epochs/NNNN.json}. */
    public static final String EPOCHS = "epochs";

    /** Progress of rank 0's process as it stands now. */
    public static Progress now(
            int epoch, int epochs, long step, long stepsPerEpoch, double loss, double accuracy, boolean epochDone) {
        long rss = ProcessStats.residentBytes();
        return new Progress(
                epoch,
                epochs,
                step,
                stepsPerEpoch,
                loss,
                accuracy,
                epochDone,
                ProcessStats.threads(),
                rss < 0 ? -1 : rss >> 20);
    }

    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads a record; {@code threads} and {@code rss_mib} are -1 when absent (files of older runs).
     *
     * @throws IllegalArgumentException if {@code json} is not a progress record
     */
    public static Progress parse(String json) {
        try {
            JsonNode node = Json.MAPPER.readTree(json);
            for (String key : List.of("epoch", "epochs", "step", "steps_per_epoch", "loss", "accuracy")) {
                if (!node.has(key)) {
                    throw new IllegalArgumentException("progress without " + key + ": " + json);
                }
            }
            ((ObjectNode) node).putIfAbsent("threads", IntNode.valueOf(-1));
            ((ObjectNode) node).putIfAbsent("rss_mib", IntNode.valueOf(-1));
            return Json.MAPPER.treeToValue(node, Progress.class);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalArgumentException("not a progress record: " + json, e);
        }
    }
}
