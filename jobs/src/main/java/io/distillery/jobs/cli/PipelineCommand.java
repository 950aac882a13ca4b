package io.distillery.jobs.cli;

import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.failure.ExitCodes;
import io.distillery.jobs.pipeline.Deliver;
import io.distillery.jobs.pipeline.Pipeline;
import io.distillery.jobs.pipeline.RunPaths;
import io.distillery.jobs.pipeline.StageOutcome;
import io.distillery.publish.PublishResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code distillery pipeline}: every stage, then export and publish. */
@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        footerHeading = ExitCodes.FOOTER_HEADING,
        footer = ExitCodes.FOOTER,
        description = {
            "Run the whole job, from the data to a published model version.",
            "Validates the data, trains the teacher, the student from scratch (the baseline)",
            "and distilled, prunes it, exports it and publishes it as the next version.",
            "Stages already finished in the run directory (same --run-id) are skipped; a run goes on",
            "with the config it was started with (--restart starts it over)."
        })
public final class PipelineCommand implements Callable<Integer> {
    @Mixin
    JobOptions options;

    @Override
    public Integer call() throws Exception {
        String runId = options.runIdOrNew();
        JobConfig config = RunConfig.resolve(options, runId, "pipeline", System.out);
        PrintStream out = System.out;
        try (JobRunner job = new JobRunner(config, runId, out)) {
            job.recorded("pipeline", () -> run(job, config, out));
        }
        return ExitCodes.OK;
    }

    private static void run(JobRunner job, JobConfig config, PrintStream out) throws Exception {
        Pipeline p = job.pipeline;
        p.prepareData();
        p.checkPruneSchedule();
        StageOutcome teacher = p.teacher();
        StageOutcome scratch = p.scratchStudent();
        StageOutcome student = p.distilledStudent();
        StageOutcome pruned = p.prunedStudent();
        Deliver deliver = new Deliver(p, job.spark, out);
        Path exported = deliver.export();
        PublishResult published = deliver.publish(exported);
        out.println();
        out.print(Deliver.summary(teacher, scratch, student, pruned).table());
        out.println();
        out.printf(
                "published %s version %d%s -> %s%n",
                config.name(),
                published.version(),
                published.reused() ? " (already published by this run)" : "",
                published.uri());
        out.println("run directory: " + p.runDirectory().uri());
        out.println("model path:    " + RunPaths.modelUri(config));
    }
}
