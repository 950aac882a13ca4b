package io.distillery.jobs.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillery.core.train.EpochMetrics;
import io.distillery.core.train.TrainingLoop;
import io.distillery.jobs.failure.Failures;
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
  public static final String RECORD = "workers.json";
  /** How long the first attempt waits for executors to register before refusing. */
  static final long FIRST_SLOT_WAIT_MS = 15_000;
  /** After a failure: time for the cluster manager to replace a lost executor. */
  static final long RETRY_SLOT_WAIT_MS = 120_000;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BarrierStage() {}

  public static StageResult run(JavaRDD<InternalRow> partitions, StageRequest request) {
    SparkContext sc = partitions.context();
    int workers = partitions.getNumPartitions();
    String stage = request.stage();
    BarrierPreflight.checkConf(sc.getConf(), workers, stage);
    BarrierPreflight.requireSlots(sc, workers, FIRST_SLOT_WAIT_MS, stage);
    long[] rows = BarrierPreflight.shardRows(partitions);
    TrainingLoop.Plan plan = request.plan();
    BarrierPreflight.checkShards(rows, plan.batchSize(), stage);
    int steps = BarrierPreflight.stepsPerEpoch(rows, plan.batchSize());
    StageRequest planned =
        request.withPlan(new TrainingLoop.Plan(plan.epochs(), plan.batchSize(), steps, plan.seed()));
    long totalSteps = (long) plan.epochs() * steps;

    Map<String, Object> record = new LinkedHashMap<>();
    record.put("stage", stage);
    record.put("workers", workers);
    record.put("shard_rows", rows);
    record.put("batch_size_per_worker", plan.batchSize());
    record.put("steps_per_epoch", steps);
    record.put("total_steps", totalSteps);
    record.put("checkpoint_every_steps", request.checkpointEverySteps());
    record.put("max_attempts", request.maxAttempts());
    List<Map<String, Object>> attempts = new ArrayList<>();
    record.put("attempts", attempts);

    ClassTag<WorkerResult> tag = ClassTag$.MODULE$.apply(WorkerResult.class);
    for (int attempt = 1; ; attempt++) {
      StageTask.Checkpoint from = StageTask.latestCheckpoint(request.stageDir());
      long fromStep = from == null ? 0 : from.step();
      System.out.printf(
          "%-16s attempt %d of %d: %d workers, %d steps per epoch (%d per worker), %s%n",
          stage, attempt, request.maxAttempts(), workers, steps, plan.batchSize(),
          from == null ? "from the start" : "resuming from checkpoint step " + fromStep);
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("attempt", attempt);
      a.put("resumed_from_step", fromStep);
      attempts.add(a);
      long started = System.nanoTime();
      String description = "distillery " + stage + ": " + workers + " workers, attempt " + attempt;
      AttemptWatch watch = AttemptWatch.start(sc, description);
      try {
        sc.setJobDescription(description);
        List<WorkerResult> results =
            JavaRDD.fromRDD(
                    partitions.rdd().barrier().mapPartitions(
                        new BarrierTask(planned.withResume(from == null ? null : from.name()), attempt), false, tag),
                    tag)
                .collect();
        sc.setJobDescription(null);
        StageResult result = check(results, workers, totalSteps, stage);
        a.put("outcome", "succeeded");
        a.put("seconds", seconds(started));
        a.put("final_step", result.steps());
        a.put("steps_run", result.epochs().stream().mapToLong(EpochMetrics::steps).sum());
        List<Map<String, Object>> ranks = new ArrayList<>();
        for (WorkerResult w : sorted(results)) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("rank", w.rank());
          m.put("address", w.address());
          m.put("executor", w.executor());
          m.put("pid", w.pid());
          m.put("steps", w.steps());
          m.put("weights_sha256", w.weightsSha256());
          ranks.add(m);
        }
        record.put("ranks", ranks);
        write(request, record);
        return result;
      } catch (Exception e) {
        sc.setJobDescription(null);
        a.put("outcome", "failed");
        a.put("seconds", seconds(started));
        a.put("last_reported_step", lastReportedStep(request));
        a.put("error", firstLine(e.getMessage()));
        if (!retryable(e)) {
          write(request, record);
          throw rethrow(e);
        }
        String ranks = watch.explain(workers, placements(request, attempt, workers));
        a.put("ranks", ranks);
        write(request, record);
        if (attempt >= request.maxAttempts()) {
          throw rethrow(new SparkException(
              stage + ": the barrier stage of " + workers + " workers failed " + attempt + " time(s) (spark.max_attempts = "
                  + request.maxAttempts() + "); last failure: " + ranks
                  + "; see the executor logs, and raise spark.max_attempts if workers are lost often", e));
        }
        System.out.printf(
            "%-16s attempt %d failed: %s; retrying with new TensorFlow servers%n", stage, attempt, ranks);
        if (!BarrierPreflight.awaitSlots(sc, workers, RETRY_SLOT_WAIT_MS)) {
          throw rethrow(new SparkException(
              BarrierPreflight.slotsMessage(sc, workers, stage) + " (after attempt " + attempt
                  + " failed, lost executors were not replaced within " + RETRY_SLOT_WAIT_MS / 1000 + " s)", e));
        }
      } finally {
        watch.close();
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
          var json = JSON.readTree(request.stageDir().readString(file));
          out.put(rank, "executor " + json.get("executor").asText() + ", pid " + json.get("pid").asLong()
              + ", TensorFlow server " + json.get("address").asText());
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
        throw new IllegalStateException(stage + ": ranks " + byRank.stream().map(WorkerResult::rank).toList());
      }
      if (w.steps() != totalSteps) {
        throw new IllegalStateException(
            stage + ": rank " + i + " ended at step " + w.steps() + ", expected " + totalSteps);
      }
      if (!w.weightsSha256().equals(digest)) {
        throw new IllegalStateException(
            stage + ": rank " + i + " ended with different weights from rank 0 (" + w.weightsSha256() + " vs "
                + digest + "): the all-reduce did not keep the workers in sync");
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
  /** Whether another attempt may help: not for bad data, a bad config or a diverged loss. */
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
        return Progress.parse(request.stageDir().readString(Progress.FILE)).step();
      }
    } catch (IOException | RuntimeException e) {
      // Progress is best effort; the record says -1.
    }
    return -1;
  }

  private static void write(StageRequest request, Map<String, Object> record) {
    try {
      request.stageDir().writeString(RECORD, JSON.writeValueAsString(record));
    } catch (IOException e) {
      System.err.println("distillery: cannot write " + request.stageDir().uri() + "/" + RECORD + ": " + e.getMessage());
    }
  }

  private static double seconds(long startedNanos) {
    return Math.round((System.nanoTime() - startedNanos) / 1e7) / 100.0;
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * Rethrows unchanged. Spark's exceptions are checked in Java's eyes but undeclared in Scala; the
   * CLI maps them to exit codes by type and cause, so they must not be wrapped.
   */
  static RuntimeException rethrow(Throwable t) {
    return StageRunner.<RuntimeException>sneaky(t);
  }
}
