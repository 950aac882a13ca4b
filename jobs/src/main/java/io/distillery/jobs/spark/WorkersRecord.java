package io.distillery.jobs.spark;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@value BarrierStage#RECORD} in a data-parallel stage's directory: the shards, every attempt (where it
 * resumed, how it ended) and, once it succeeded, where each rank ran and its weights' digest.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record WorkersRecord(
        String stage,
        int workers,
        long[] shardRows,
        int batchSizePerWorker,
        int stepsPerEpoch,
        long totalSteps,
        int checkpointEverySteps,
        int maxAttempts,
        List<Attempt> attempts,
        List<Rank> ranks) {

    /**
     * One attempt; the step fields say how far it got (null where they do not apply), {@code links} how
     * fast each rank's link to the driver was ({@link LinkProbe}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Attempt(
            int attempt,
            long resumedFromStep,
            String outcome,
            double seconds,
            Long finalStep,
            Long stepsRun,
            Long lastReportedStep,
            String error,
            String ranks,
            List<LinkProbe.Link> links) {}

    record Rank(int rank, String address, String executor, long pid, long steps, String weightsSha256) {}

    /** Where one rank of one attempt runs: {@code workers/attempt-<a>-rank-<r>.json}. */
    record Placement(
            int attempt,
            int rank,
            int workers,
            String address,
            boolean reused,
            String executor,
            long pid,
            String gpus) {}
}
