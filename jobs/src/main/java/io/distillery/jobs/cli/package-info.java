/**
 * The {@code distillery} command line (picocli): one command per pipeline stage and the whole
 * pipeline, models, runs, report and serve. A job command resolves its config against the run's own
 * ({@link io.distillery.jobs.cli.RunConfig}), runs on Spark ({@link io.distillery.jobs.cli.JobRunner}),
 * records its outcome in the run directory and keeps Spark's and TensorFlow's logs off the terminal
 * ({@link io.distillery.jobs.cli.RunLog}).
 */
package io.distillery.jobs.cli;
