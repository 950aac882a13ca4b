package io.distillery.jobs.cli;

import io.distillery.jobs.search.SearchJob;
import io.distillery.publish.PublishResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code distillery search}: trials over students, T, α, pruning and int8; the best within budgets is published. */
@Command(
        name = "search",
        description = {
            "Search for the smallest model within your budgets; publish it.",
            "Trials over student width, temperature, alpha, pruning and int8 (search.*),",
            "each a Spark task learning from the teacher's logits, scored once. The choice",
            "is made on the validation rows (data.validation_fraction): the smallest",
            "(search.objective=latency: the fastest) within search.max_accuracy_drop of",
            "the teacher, search.max_latency_ms and search.max_bytes; the test rows only",
            "report. Trains the teacher first unless the run has it; finished trials are",
            "kept and never run again."
        })
public final class SearchCommand extends StageCommands.Stage {
    @Option(names = "--no-publish", description = "Run the trials and choose, but publish nothing.")
    boolean noPublish;

    @Override
    boolean newRunAllowed() {
        return true;
    }

    @Override
    void run(JobRunner job) throws Exception {
        SearchJob search = new SearchJob(job.pipeline, job.spark, System.out);
        SearchJob.Outcome outcome = search.search();
        if (noPublish) {
            System.out.println(
                    "search   --no-publish: chosen " + outcome.choice().chosen().id() + ", nothing published");
            return;
        }
        PublishResult r = search.publish(outcome);
        System.out.printf(
                "published %s version %d%s -> %s%n",
                job.pipeline.config().name(),
                r.version(),
                r.reused() ? " (already published by this search)" : "",
                r.uri());
    }
}
