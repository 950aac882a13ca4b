package io.distillery.jobs.cli;

import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.pipeline.Pipeline;
import io.distillery.jobs.spark.Sparks;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;

/** Opens Spark and a {@link Pipeline} for one command, and closes them (stopping a session it created). */
final class JobRunner implements AutoCloseable {
  final SparkSession spark;
  final Pipeline pipeline;
  private final boolean ownsSession;

  JobRunner(JobConfig config, String runId, PrintStream out) {
    this.ownsSession = SparkSession.getActiveSession().isEmpty();
    this.spark = Sparks.session(config);
    this.pipeline = new Pipeline(config, runId, spark, out);
    out.println("run      " + runId + " in " + pipeline.runDirectory().uri());
  }

  @Override
  public void close() {
    pipeline.unpersist();
    if (ownsSession && !"true".equals(System.getProperty("distillery.keepSpark"))) {
      spark.stop();
    }
  }
}
