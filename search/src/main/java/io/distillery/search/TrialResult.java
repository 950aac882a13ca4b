package io.distillery.search;

import java.util.List;

/**
 * A finished trial, as kept in {@code search/trials/<id>/result.json}: its artifact's accuracy on the
 * validation rows (what the search chooses by) and the test rows (reported only), its size and
 * latency, and what it cost.
 *
 * @param layers the exported model's layers (smaller than the width's when structured pruning shrank it)
 * @param bytes the artifact's file size: the {@code .tflite} file, int8 or float32
 * @param gzipBytes the same file gzipped (where unstructured zeros pay off)
 * @param latencyP50Ms median batch-1 latency of the artifact in the TFLite interpreter (−1: not measured)
 * @param trainEpochs epochs trained: distillation and pruning fine-tune (the compute successive halving saves)
 * @param executor the host (and executor id) that ran it
 * @param attempt which attempt of the trial's task finished it (its marker in {@code attempts/})
 */
public record TrialResult(
        String id,
        Trial trial,
        List<String> layers,
        long parameters,
        double validationAccuracy,
        double testAccuracy,
        long bytes,
        long gzipBytes,
        String runtime,
        double latencyP50Ms,
        int trainEpochs,
        double seconds,
        String executor,
        String attempt)
        implements java.io.Serializable {

    public static final String FILE = "result.json";
    /** The artifact's weights ({@code Weights} format) next to the result, for publishing the chosen one. */
    public static final String WEIGHTS = "weights.bin";
    /** One marker per attempt that started the trial: a retried task leaves two, a finished trial one result. */
    public static final String ATTEMPTS = "attempts";

    public TrialResult withAttempt(String id) {
        return new TrialResult(
                this.id,
                trial,
                layers,
                parameters,
                validationAccuracy,
                testAccuracy,
                bytes,
                gzipBytes,
                runtime,
                latencyP50Ms,
                trainEpochs,
                seconds,
                executor,
                id);
    }
}
