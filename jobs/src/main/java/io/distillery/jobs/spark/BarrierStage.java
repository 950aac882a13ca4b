package io.distillery.jobs.spark;

import io.distillery.core.train.EpochMetrics;
import io.distillery.core.train.TrainingLoop;
import io.distillery.jobs.failure.Failures;
import io.distillery.stage.Checkpoints;
import io.distillery.stage.Json;
import io.distillery.stage.Progress;
import io.distillery.stage.StageResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.catalyst.InternalRow;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Driver side of data-parallel training: pre-flight checks, then the barrier stage of N
 * {@link BarrierTask}s, retried by Distillery when it fails (Spark does not retry a failed barrier
 * result stage, SPARK-25161).
 *
 * <p>Each attempt starts from the newest readable checkpoint of the stage, which the driver picks so
 * that every worker resumes from the same file; rank 0 writes a checkpoint every
 * {@code spark.checkpoint_every_steps} steps, so an attempt lost to a dead worker costs at most that
 * many steps. Failures that would repeat (bad data, bad config, a diverged loss) are not retried. The
 * attempts, the shard sizes and every rank's weight digest are recorded in {@value #RECORD} in the
 * stage directory.
 */
public final class BarrierStage {
    private static final org.apache.logging.log4j.Logger LOG =
            org.apache.logging.log4j.LogManager.getLogger(BarrierStage.class);
    public static final String RECORD = "workers.json";
    /** How long the first attempt waits for executors to register before refusing. */
    static final long FIRST_SLOT_WAIT_MS = 15_000;
    /** After a failure: time for the cluster manager to replace a lost executor. */
    static final long RETRY_SLOT_WAIT_MS = 120_000;

    private BarrierStage() {}

    public static StageResult run(JavaRDD<InternalRow> partitions, StageRequest request) {
        SparkContext sc = partitions.context();
        int workers = partitions.getNumPartitions();
        String stage = request.stage();
        BarrierPreflight.checkConf(sc.getConf(), workers, stage);
        BarrierPreflight.requireSlots(sc, workers, FIRST_SLOT_WAIT_MS, stage);
        long[] rows = BarrierPreflight.shardRows(partitions);
        TrainingLoop.Plan plan = request.plan().training().loop();
        BarrierPreflight.checkShards(rows, plan.batchSize(), stage);
        int steps = BarrierPreflight.stepsPerEpoch(rows, plan.batchSize());
        StageRequest planned =
                request.withLoop(new TrainingLoop.Plan(plan.epochs(), plan.batchSize(), steps, plan.seed()));
        long totalSteps = (long) plan.epochs() * steps;
        List<WorkersRecord.Attempt> attempts = new ArrayList<>();
        java.util.function.Function<List<WorkersRecord.Rank>, WorkersRecord> record = ranks -> new WorkersRecord(
                stage,
                workers,
                rows,
                plan.batchSize(),
                steps,
                totalSteps,
                request.checkpointEverySteps(),
                request.maxAttempts(),
                attempts,
                ranks);

        ClassTag<WorkerResult> tag = ClassTag$.MODULE$.apply(WorkerResult.class);
        for (int attempt = 1; ; attempt++) {
            Checkpoints.Checkpoint from =
                    Checkpoints.latest(request.stageDir(), m -> System.err.println("distillery: " + m));
            long fromStep = from == null ? 0 : from.step();
            System.out.printf(
                    "%-16s attempt %d of %d: %d workers, %d steps per epoch (%d per worker), %s%n",
                    stage,
                    attempt,
                    request.maxAttempts(),
                    workers,
                    steps,
                    plan.batchSize(),
                    from == null ? "from the start" : "resuming from checkpoint step " + fromStep);
            long started = System.nanoTime();
            String description = "distillery " + stage + ": " + workers + " workers, attempt " + attempt;
            AttemptWatch watch = AttemptWatch.start(sc, description);
            LinkProbe probe = startProbe(sc, workers, stage);
            try {
                sc.setJobDescription(description);
                List<WorkerResult> results = JavaRDD.fromRDD(
                                partitions
                                        .rdd()
                                        .barrier()
                                        .mapPartitions(
                                                new BarrierTask(
                                                        planned.withResume(from == null ? null : from.name()),
                                                        attempt,
                                                        probe == null ? null : probe.address(driverHost(sc))),
                                                false,
                                                tag),
                                tag)
                        .collect();
                sc.setJobDescription(null);
                StageResult result = check(results, workers, totalSteps, stage);
                attempts.add(new WorkersRecord.Attempt(
                        attempt,
                        fromStep,
                        "succeeded",
                        seconds(started),
                        result.steps(),
                        result.epochs().stream().mapToLong(EpochMetrics::steps).sum(),
                        null,
                        null,
                        null,
                        links(probe)));
                write(
                        request,
                        record.apply(sorted(results).stream()
                                .map(w -> new WorkersRecord.Rank(
                                        w.rank(), w.address(), w.executor(), w.pid(), w.steps(), w.weightsSha256()))
                                .toList()));
                return result;
            } catch (Exception e) {
                sc.setJobDescription(null);
                boolean retry = retryable(e);
                String ranks = retry ? watch.explain(workers, placements(request, attempt, workers)) : null;
                attempts.add(new WorkersRecord.Attempt(
                        attempt,
                        fromStep,
                        "failed",
                        seconds(started),
                        null,
                        null,
                        lastReportedStep(request),
                        io.distillery.publish.Messages.firstLine(e.getMessage()),
                        ranks,
                        links(probe)));
                write(request, record.apply(null));
                if (!retry) {
                    throw rethrow(e);
                }
                if (attempt >= request.maxAttempts()) {
                    throw rethrow(new SparkException(
                            stage + ": the barrier stage of " + workers + " workers failed " + attempt
                                    + " time(s) (spark.max_attempts = "
                                    + request.maxAttempts() + "); last failure: " + ranks
                                    + "; see the executor logs, and raise spark.max_attempts if workers are lost often",
                            e));
                }
                System.out.printf(
                        "%-16s attempt %d failed: %s; retrying with new TensorFlow servers%n", stage, attempt, ranks);
                if (!BarrierPreflight.awaitSlots(sc, workers, RETRY_SLOT_WAIT_MS)) {
                    throw rethrow(new SparkException(
                            BarrierPreflight.slotsMessage(sc, workers, stage) + " (after attempt " + attempt
                                    + " failed, lost executors were not replaced within " + RETRY_SLOT_WAIT_MS / 1000
                                    + " s; that attempt: " + ranks + ")",
                            e));
                }
            } finally {
                watch.close();
                closeQuietly(probe);
            }
        }
    }

    /**
     * A link probe for the attempt's ranks; null with one worker, in local mode (the ranks are threads of
     * the driver: no link to measure), or when none can be started.
     */
    private static LinkProbe startProbe(SparkContext sc, int workers, String stage) {
        if (workers < 2 || sc.isLocal()) {
            return null;
        }
        String bind = sc.getConf().get("spark.driver.bindAddress", driverHost(sc));
        try {
            return LinkProbe.start(bind, workers, report -> System.out.printf("%-16s %s%n", stage, report));
        } catch (IOException | RuntimeException e) {
            LOG.warn("no link probe for " + stage + " (binding " + bind + "): " + e.getMessage());
            return null;
        }
    }

    private static String driverHost(SparkContext sc) {
        return sc.getConf().get("spark.driver.host", "127.0.0.1");
    }

    private static List<LinkProbe.Link> links(LinkProbe probe) {
        return probe == null || probe.links().isEmpty() ? null : probe.links();
    }

    private static void closeQuietly(LinkProbe probe) {
        if (probe != null) {
            try {
                probe.close();
            } catch (IOException e) {
                LOG.debug("closing the link probe: " + e);
            }
        }
    }

    /** Where each rank of {@code attempt} ran, from the placement files the tasks wrote. */
    private static Map<Integer, String> placements(StageRequest request, int attempt, int workers) {
        Map<Integer, String> out = new LinkedHashMap<>();
        for (int rank = 0; rank < workers; rank++) {
            String file = String.format("%s/attempt-%d-rank-%d.json", BarrierTask.PLACEMENT, attempt, rank);
            try {
                if (request.stageDir().exists(file)) {
                    var p = Json.MAPPER.readValue(request.stageDir().read(file), WorkersRecord.Placement.class);
                    out.put(
                            rank,
                            "executor " + p.executor() + ", pid " + p.pid() + ", TensorFlow server " + p.address());
                }
            } catch (IOException | RuntimeException e) {
                // Placement is best effort: the rank is then described without it.
            }
        }
        return out;
    }

    /** All ranks answered, took every step, and hold the same weights. */
    static StageResult check(List<WorkerResult> results, int workers, long totalSteps, String stage) {
        List<WorkerResult> byRank = sorted(results);
        if (byRank.size() != workers) {
            throw new IllegalStateException(stage + ": " + byRank.size() + " results from " + workers + " workers");
        }
        String digest = byRank.get(0).weightsSha256();
        for (int i = 0; i < workers; i++) {
            WorkerResult w = byRank.get(i);
            if (w.rank() != i) {
                throw new IllegalStateException(stage + ": ranks "
                        + byRank.stream().map(WorkerResult::rank).toList());
            }
            if (w.steps() != totalSteps) {
                throw new IllegalStateException(
                        stage + ": rank " + i + " ended at step " + w.steps() + ", expected " + totalSteps);
            }
            if (!w.weightsSha256().equals(digest)) {
                throw new IllegalStateException(stage + ": rank " + i + " ended with different weights from rank 0 ("
                        + w.weightsSha256() + " vs " + digest + "): the all-reduce did not keep the workers in sync");
            }
        }
        StageResult r = byRank.get(0).result();
        if (r == null || r.weights() == null) {
            throw new IllegalStateException(stage + ": rank 0 returned no weights");
        }
        return r;
    }

    /**
     * Whether another attempt can help: a lost executor, a collective that timed out or a failed
     * TensorFlow server can; bad data, a bad config or a diverged loss would fail the same way again.
     */
    static boolean retryable(Throwable e) {
        return Failures.classify(e).kind().retryable();
    }

    private static List<WorkerResult> sorted(List<WorkerResult> results) {
        List<WorkerResult> out = new ArrayList<>(results);
        out.sort(Comparator.comparingInt(WorkerResult::rank));
        return out;
    }

    private static long lastReportedStep(StageRequest request) {
        try {
            if (request.stageDir().exists(Progress.FILE)) {
                return Progress.parse(request.stageDir().readString(Progress.FILE))
                        .step();
            }
        } catch (IOException | RuntimeException e) {
            // Progress is best effort; the record says -1.
        }
        return -1;
    }

    private static void write(StageRequest request, WorkersRecord record) {
        try {
            request.stageDir().write(RECORD, out -> Json.MAPPER.writeValue(out, record));
        } catch (IOException e) {
            LOG.warn("cannot write {}/{}: {}", request.stageDir().uri(), RECORD, e.getMessage());
        }
    }

    private static double seconds(long startedNanos) {
        return Math.round((System.nanoTime() - startedNanos) / 1e7) / 100.0;
    }

    /**
     * Rethrows unchanged. Spark's exceptions are checked in Java's eyes but undeclared in Scala; the
     * CLI maps them to exit codes by type and cause, so they must not be wrapped.
     */
    static RuntimeException rethrow(Throwable t) {
        return StageRunner.<RuntimeException>sneaky(t);
    }
}
