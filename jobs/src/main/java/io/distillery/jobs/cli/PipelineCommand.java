package io.distillery.jobs.cli;

import io.distillery.distill.DistillationGain;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.pipeline.Deliver;
import io.distillery.jobs.pipeline.Pipeline;
import io.distillery.jobs.pipeline.RunPaths;
import io.distillery.jobs.pipeline.StageOutcome;
import io.distillery.jobs.search.SearchJob;
import io.distillery.publish.PublishResult;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;

/** {@code distillery pipeline}: every stage, then export and publish. */
@Command(
        name = "pipeline",
        description = {
            "Run the whole job, from the data to a published model version.",
            "Validates the data, trains the teacher, the student from scratch (the baseline)",
            "and distilled, prunes it, exports it and publishes it as the next version.",
            "Stages already finished in the run directory (same --run-id) are skipped; a run goes on",
            "with the config it was started with (--restart starts it over).",
            "With --search: the teacher, then `distillery search` instead of the configured student."
        })
public final class PipelineCommand extends StageCommands.Stage {
    @picocli.CommandLine.Option(
            names = "--search",
            description = "After the teacher, search students, T, alpha, pruning and int8 (search.*) and publish"
                    + " the smallest (or fastest) model within the budgets, instead of the configured student.")
    boolean search;

    @Override
    boolean newRunAllowed() {
        return true;
    }

    @Override
    void run(JobRunner job) throws Exception {
        Pipeline p = job.pipeline;
        JobConfig config = p.config();
        PrintStream out = System.out;
        p.prepareData();
        if (search) {
            SearchJob searchJob = new SearchJob(p, job.spark, out);
            PublishResult published = searchJob.publish(searchJob.search());
            out.printf(
                    "published %s version %d%s -> %s%n",
                    config.name(),
                    published.version(),
                    published.reused() ? " (already published by this search)" : "",
                    published.uri());
            out.println("run directory: " + p.runDirectory().uri());
            return;
        }
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
        out.println("distillation: "
                + new DistillationGain(teacher.testAccuracy(), scratch.testAccuracy(), student.testAccuracy())
                        .describe());
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
