package io.distillery.jobs.spark;

import io.distillery.jobs.config.ConfigException;
import io.distillery.jobs.data.DataException;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Checks made before a barrier stage is submitted. A barrier stage that cannot get all its slots
 * waits (Spark retries its own slot check for ten minutes), and a task with no data, or a peer that
 * never arrives, hangs the others: each of those is refused here, in seconds, with the setting to
 * change.
 */
public final class BarrierPreflight {
    public static final String BARRIER_TIMEOUT = "spark.barrier.sync.timeout";
    public static final String DYNAMIC_ALLOCATION = "spark.dynamicAllocation.enabled";

    private BarrierPreflight() {}

    /** Settings that make a barrier stage impossible or unbounded. */
    public static void checkConf(SparkConf conf, int workers, String stage) {
        if (conf.getBoolean(DYNAMIC_ALLOCATION, false)) {
            throw new ConfigException(
                    stage + ": " + workers + " workers need a barrier stage, which Spark cannot run with dynamic"
                            + " allocation; set " + DYNAMIC_ALLOCATION + "=false (spark.conf in the job config, or"
                            + " spark-submit --conf)");
        }
        if (!conf.contains(BARRIER_TIMEOUT)) {
            throw new ConfigException(
                    stage + ": " + BARRIER_TIMEOUT + " is not set, so a worker waiting for a peer that never"
                            + " comes would wait Spark's default of a year; set it in seconds, e.g. spark.conf: {"
                            + BARRIER_TIMEOUT + ": \"900\"} in the job config (cluster-conf/distillery-defaults.yaml"
                            + " has it), or spark-submit --conf " + BARRIER_TIMEOUT + "=900");
        }
        String timeout = conf.get(BARRIER_TIMEOUT).trim();
        if (!timeout.matches("\\d+[a-z]*") || timeout.matches("0+[a-z]*")) {
            throw new ConfigException(
                    stage + ": " + BARRIER_TIMEOUT + " must be a positive number of seconds, found '" + timeout + "'");
        }
    }

    /**
     * Task slots for the default resource profile: what Spark's own barrier check counts (executors ×
     * cores, or GPUs, per task). Executors that have not registered yet do not count.
     */
    public static int slots(SparkContext sc) {
        return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
    }

    /**
     * Waits up to {@code waitMillis} for {@code workers} slots (executors may still be registering);
     * false if they did not come. Local mode has all its slots from the start: no wait.
     */
    public static boolean awaitSlots(SparkContext sc, int workers, long waitMillis) {
        long deadline = System.nanoTime() + waitMillis * 1_000_000L;
        while (slots(sc) < workers) {
            if (sc.isLocal() || System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Fails with what to change unless the cluster has {@code workers} slots (after a short wait). */
    public static void requireSlots(SparkContext sc, int workers, long waitMillis, String stage) {
        if (!awaitSlots(sc, workers, waitMillis)) {
            throw new ConfigException(slotsMessage(sc, workers, stage));
        }
    }

    /**
     * Task slots of a local master ({@code local}, {@code local[N]}, {@code local[*]}, {@code local[N,F]}),
     * known before Spark starts; -1 for any other master (its slots are known only once it runs).
     */
    public static int localSlots(String master, int cores) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?])?")
                .matcher(master.trim());
        if (!m.matches()) {
            return -1;
        }
        String n = m.group(1);
        return n == null ? 1 : n.equals("*") ? cores : Integer.parseInt(n);
    }

    /**
     * Refuses more workers than a local master has slots before Spark starts, with the message the
     * pre-flight gives once Spark runs (which used to come only after the data was read and the
     * teacher had started).
     */
    public static void checkLocalSlots(String master, int workers, int cores, boolean taskCpusSet) {
        int have = localSlots(master, cores);
        if (have < 0 || workers <= 1 || taskCpusSet || workers <= have) {
            return;
        }
        throw new ConfigException("spark.workers = " + workers + " needs " + workers + " task slots at once, but "
                + master + " offers " + have
                + " (local mode, spark.task.cpus 1); lower --workers (spark.workers) to at most "
                + have + ", or run on a cluster, or local[N] with N >= " + workers);
    }

    static String slotsMessage(SparkContext sc, int workers, String stage) {
        SparkConf conf = sc.getConf();
        int have = slots(sc);
        int executors = Math.max(0, sc.statusTracker().getExecutorInfos().length - (sc.isLocal() ? 0 : 1));
        String taskCpus = conf.get("spark.task.cpus", "1");
        String gpus = conf.getOption("spark.task.resource.gpu.amount").isDefined()
                ? ", spark.task.resource.gpu.amount " + conf.get("spark.task.resource.gpu.amount")
                : "";
        return stage + ": spark.workers = " + workers + " needs " + workers + " task slots at once, but "
                + sc.master() + " offers " + have + " (" + executors + " executor(s), spark.task.cpus " + taskCpus
                + gpus
                + "); lower --workers (spark.workers) to at most " + Math.max(1, have)
                + ", or give the application more executors or cores (spark.executor.instances, spark.cores.max,"
                + " spark.executor.cores; local[N] for local mode)";
    }

    /** Rows in each partition (one small Spark job; the partitions are usually cached already). */
    public static long[] shardRows(JavaRDD<InternalRow> partitions) {
        List<long[]> counts = partitions
                .mapPartitionsWithIndex(
                        (Integer i, Iterator<InternalRow> rows) -> {
                            long n = 0;
                            while (rows.hasNext()) {
                                rows.next();
                                n++;
                            }
                            return List.of(new long[] {i, n}).iterator();
                        },
                        true)
                .collect();
        long[] out = new long[partitions.getNumPartitions()];
        for (long[] c : counts) {
            out[(int) c[0]] = c[1];
        }
        return out;
    }

    /** Every worker needs data, and together at least one full batch each. */
    public static void checkShards(long[] rows, int batchSize, String stage) {
        int workers = rows.length;
        long total = 0;
        for (long r : rows) {
            total += r;
        }
        for (int i = 0; i < workers; i++) {
            if (rows[i] == 0) {
                throw new DataException(stage + ": partition " + i + " of " + workers + " is empty (" + total
                        + " rows in all), and every"
                        + " worker of a barrier stage needs data; lower --workers (spark.workers) or repartition the"
                        + " training data into " + workers + " non-empty partitions");
            }
        }
        if (total < (long) workers * batchSize) {
            throw new DataException(stage + ": " + total + " training rows are fewer than spark.workers × batch_size = "
                    + workers + " × " + batchSize
                    + "; lower --workers (spark.workers) or the stage's batch_size, or add data");
        }
    }

    /**
     * Steps per epoch for every worker: enough for the largest shard to be seen once. Workers with
     * smaller shards re-sample (their epoch continues into a fresh permutation of their shard), so all
     * take the same number of steps, which a synchronous all-reduce requires.
     */
    public static int stepsPerEpoch(long[] rows, int batchSize) {
        long max = 0;
        for (long r : rows) {
            max = Math.max(max, r);
        }
        return (int) ((max + batchSize - 1) / batchSize);
    }
}
