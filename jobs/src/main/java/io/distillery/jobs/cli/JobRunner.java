package io.distillery.jobs.cli;

import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.failure.Failures;
import io.distillery.jobs.pipeline.Pipeline;
import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.jobs.report.FailureRecord;
import io.distillery.jobs.report.Reports;
import io.distillery.jobs.spark.BarrierPreflight;
import io.distillery.jobs.spark.Sparks;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;

/** Opens Spark and a {@link Pipeline} for one command, and closes them (stopping a session it created). */
final class JobRunner implements AutoCloseable {
    final SparkSession spark;
    final Pipeline pipeline;
    private final boolean ownsSession;
    private final PrintStream out;
    private String command = "job";

    JobRunner(JobConfig config, String runId, PrintStream out) {
        this.ownsSession = SparkSession.getActiveSession().isEmpty();
        this.out = out;
        // The master this command will run on: the running session's, spark-submit's, else the config's.
        String master = SparkSession.getActiveSession().isDefined()
                ? SparkSession.getActiveSession().get().sparkContext().master()
                : System.getProperty("spark.master", config.spark().master());
        BarrierPreflight.checkLocalSlots(
                master,
                config.spark().workers(),
                Runtime.getRuntime().availableProcessors(),
                config.spark().conf().containsKey("spark.task.cpus") || System.getProperty("spark.task.cpus") != null);
        this.spark = Sparks.session(config);
        this.pipeline = new Pipeline(config, runId, spark, out);
        out.println("run      " + runId + " in " + pipeline.runDirectory().uri());
    }

    /** A command's work on this run. */
    @FunctionalInterface
    interface Work {
        void run() throws Exception;
    }

    /**
     * Runs {@code command}'s work and records its outcome in the run directory: a failure becomes
     * failure.json (exit code and message, for `runs list` and the report), a success clears the
     * failure it had left, and report.html is refreshed either way. An unchanged run stays unchanged.
     */
    void recorded(String command, Work work) throws Exception {
        RunDirectory run = pipeline.runDirectory();
        this.command = command;
        try {
            work.run();
            FailureRecord.clearAfterSuccess(run, command);
        } catch (Exception e) {
            Failures.Failure f = Failures.classify(e);
            try {
                new FailureRecord(
                                command,
                                f.exitCode(),
                                f.message(),
                                java.time.Instant.now().toString())
                        .write(run);
            } catch (java.io.IOException | RuntimeException recordFailed) {
                e.addSuppressed(recordFailed);
            }
            throw e;
        } finally {
            Reports.refreshQuietly(run, out);
        }
    }

    @Override
    public void close() {
        pipeline.unpersist();
        if (ownsSession && !"true".equals(System.getProperty("distillery.keepSpark"))) {
            spark.stop();
        }
        RunLog.copyInto(pipeline.runDirectory(), command);
    }
}
