package io.distillery.jobs.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;
import org.apache.spark.Success$;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Watches one attempt of a barrier stage through Spark's task events, so that a failed attempt can
 * be explained rank by rank: which worker failed and why, and which never answered (a stalled or
 * lost executor). Spark's own message names only the first task that failed, which is usually the
 * healthy rank whose all-reduce gave up waiting for the broken one.
 */
final class AttemptWatch extends SparkListener implements AutoCloseable {
    /** How long to wait for Spark's (asynchronous) task events after the attempt failed. */
    private static final long SETTLE_MS = 2_000;
    /** The local property {@code SparkContext.setJobDescription} sets (its constant is Spark-private). */
    private static final String JOB_DESCRIPTION = "spark.job.description";

    private final SparkContext sc;
    private final String description;
    private final Set<Object> stageIds = ConcurrentHashMap.newKeySet();
    private final Map<Integer, String> endings = new ConcurrentSkipListMap<>();

    private AttemptWatch(SparkContext sc, String description) {
        this.sc = sc;
        this.description = description;
    }

    /** Watches the jobs whose description is {@code description} until closed. */
    static AttemptWatch start(SparkContext sc, String description) {
        AttemptWatch watch = new AttemptWatch(sc, description);
        sc.addSparkListener(watch);
        return watch;
    }

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
        String d = jobStart.properties() == null ? null : jobStart.properties().getProperty(JOB_DESCRIPTION);
        if (description.equals(d)) {
            scala.collection.Iterator<Object> ids = jobStart.stageIds().iterator();
            while (ids.hasNext()) {
                stageIds.add(ids.next());
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (!stageIds.contains(taskEnd.stageId()) || taskEnd.reason() == Success$.MODULE$) {
            return;
        }
        String reason = reason(
                taskEnd.reason() instanceof TaskFailedReason failed
                        ? failed.toErrorString()
                        : String.valueOf(taskEnd.reason()));
        endings.putIfAbsent(taskEnd.taskInfo().index(), reason);
    }

    /**
     * One clause per rank, e.g. {@code rank 0 (executor 2, pid 4141, TensorFlow server 10.0.0.5:40123):
     * TensorFlowException: Operation timed out; rank 1 (executor 1, pid 4242, ...): no answer (stalled, or
     * its executor is lost)}. Waits briefly for events still on Spark's listener bus.
     */
    String explain(int workers, Map<Integer, String> placements) {
        long deadline = System.currentTimeMillis() + SETTLE_MS;
        while (endings.size() < workers && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<String> clauses = new ArrayList<>();
        for (int rank = 0; rank < workers; rank++) {
            String ending = endings.get(rank);
            String where = placements.getOrDefault(rank, "never started");
            clauses.add("rank " + rank + " (" + where + "): "
                    + (ending == null ? "no answer (stalled, or its executor is lost)" : ending));
        }
        return String.join("; ", clauses);
    }

    @Override
    public void close() {
        sc.removeSparkListener(this);
    }

    /** A shuffle block that could not be fetched: whose it was and where. */
    private static final Pattern FETCH_FAILED =
            Pattern.compile("FetchFailed\\(BlockManagerId\\(([^,]+), ([^,]+), (\\d+),");

    /**
     * The first line, joined with the next when it only introduces it (TensorFlow's "From /job:...:"),
     * with what it means on a network when Spark's or TensorFlow's words do not say it.
     */
    static String reason(String s) {
        if (s == null) {
            return "(no reason given)";
        }
        Matcher fetch = FETCH_FAILED.matcher(s);
        if (fetch.find()) {
            return "could not fetch its input from executor " + fetch.group(1) + " at " + fetch.group(2) + ":"
                    + fetch.group(3) + " (unreachable from this one, or lost)";
        }
        if (s.contains("TensorFlowException: Operation timed out")) {
            return "TensorFlow operation timed out (spark.operation_timeout_ms): a peer of its all-reduce was"
                    + " unreachable or stalled";
        }
        List<String> lines = s.strip()
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .limit(2)
                .toList();
        String line = lines.isEmpty() ? "" : lines.get(0);
        if (line.endsWith(":") && lines.size() > 1) {
            line = line + " " + lines.get(1);
        }
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
