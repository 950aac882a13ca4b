package io.distillery.jobs.cli;

import io.distillery.distill.DistillationGain;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.failure.ExitCodes;
import io.distillery.jobs.pipeline.Deliver;
import io.distillery.jobs.pipeline.StageOutcome;
import io.distillery.publish.PublishResult;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * One command per stage, each reading its inputs from and writing its result to the run directory,
 * so a scheduler can run (and retry) the stages as separate tasks. A finished stage is a no-op.
 */
final class StageCommands {
    private StageCommands() {}

    /** Picocli applies these attributes to every subclass; each adds its own name and description. */
    @Command(mixinStandardHelpOptions = true, footerHeading = ExitCodes.FOOTER_HEADING, footer = ExitCodes.FOOTER)
    abstract static class Stage implements Callable<Integer> {
        @Mixin
        JobOptions options;

        abstract void run(JobRunner job) throws Exception;

        boolean newRunAllowed() {
            return false;
        }

        @Override
        public Integer call() throws Exception {
            if (options.runId == null && !newRunAllowed()) {
                throw new picocli.CommandLine.ParameterException(
                        new picocli.CommandLine(this), "--run-id is required: this stage continues an existing run");
            }
            String id = options.runIdOrNew();
            String name =
                    getClass().getAnnotation(picocli.CommandLine.Command.class).name();
            JobConfig config = RunConfig.resolve(options, id, name, System.out);
            try (JobRunner job = new JobRunner(config, id, System.out)) {
                job.recorded(name, () -> run(job));
            }
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "teacher",
            description = {"Validate the data and train the teacher.", "Starts a run unless --run-id names one."})
    static final class Teacher extends Stage {
        @Override
        boolean newRunAllowed() {
            return true;
        }

        @Override
        void run(JobRunner job) throws Exception {
            job.pipeline.recordConfig();
            StageOutcome t = job.pipeline.teacher();
            System.out.printf("teacher test accuracy %.4f%n", t.testAccuracy());
        }
    }

    @Command(
            name = "distill",
            description = {"Train the student from scratch (baseline) and distilled.", "The teacher is the run's own."})
    static final class Distill extends Stage {
        @Override
        void run(JobRunner job) throws Exception {
            StageOutcome scratch = job.pipeline.scratchStudent();
            StageOutcome student = job.pipeline.distilledStudent();
            DistillationGain gain = new DistillationGain(
                    job.pipeline.teacherOutcome().testAccuracy(), scratch.testAccuracy(), student.testAccuracy());
            System.out.printf(
                    "student from scratch %.4f, distilled %.4f (%s)%n",
                    scratch.testAccuracy(), student.testAccuracy(), gain.describe());
        }
    }

    @Command(
            name = "prune",
            description = {
                "Prune the distilled student while fine-tuning it.",
                "Magnitude pruning, then the masks are stripped."
            })
    static final class Prune extends Stage {
        @Override
        void run(JobRunner job) throws Exception {
            StageOutcome pruned = job.pipeline.prunedStudent();
            System.out.printf(
                    "pruned student %.4f, %d of %d weights non-zero%n",
                    pruned.testAccuracy(),
                    pruned.weights().nonZeros(),
                    pruned.weights().size());
        }
    }

    @Command(
            name = "export",
            description = {
                "Export the pruned student into the run directory.",
                "In the formats of export.formats (or --formats)."
            })
    static final class Export extends Stage {
        @picocli.CommandLine.Option(
                names = "--formats",
                split = ",",
                paramLabel = "FORMAT",
                description =
                        "Formats to write, overriding export.formats: savedmodel (required), tflite, tflite-int8, tfjs.")
        java.util.List<String> formats;

        @Override
        public Integer call() throws Exception {
            if (formats != null) {
                options.overrides.add("export.formats=" + String.join(",", formats));
            }
            return super.call();
        }

        @Override
        void run(JobRunner job) throws Exception {
            Path dir = new Deliver(job.pipeline, job.spark, System.out).export();
            System.out.println(
                    "exported to " + job.pipeline.runDirectory().uri() + "/export/files (local copy " + dir + ")");
        }
    }

    @Command(
            name = "publish",
            description = {
                "Publish the run's export as the next model version.",
                "Under <publish.base_path>/<name>/; once per run (a repeat reports the same version)."
            })
    static final class Publish extends Stage {
        @Override
        void run(JobRunner job) throws Exception {
            Deliver deliver = new Deliver(job.pipeline, job.spark, System.out);
            PublishResult r = deliver.publish(deliver.exportedFiles());
            System.out.printf(
                    "published version %d%s -> %s%n",
                    r.version(), r.reused() ? " (already published by this run)" : "", r.uri());
        }
    }
}
