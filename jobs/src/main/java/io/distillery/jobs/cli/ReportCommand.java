package io.distillery.jobs.cli;

import io.distillery.jobs.failure.ExitCodes;
import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.jobs.pipeline.RunPaths;
import io.distillery.jobs.report.ReportWriter;
import io.distillery.jobs.report.Reports;
import io.distillery.jobs.report.RunRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code distillery report RUN_DIR}: rebuilds a run's report.html from its run directory. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = {
            "Rebuild a run's report.html from its run directory.",
            "The page (report.html) holds the summary table, loss and accuracy curves and accuracy",
            "against size. Every job command refreshes it when it ends; use this for a run",
            "made by an older version, or to copy the report of a remote run (-o)."
        })
final class ReportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(
            paramLabel = "RUN_DIR",
            description = {"The run's directory, <run_dir>/<run id>:", "a local path, hdfs://... or s3a://..."})
    String runDir;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FILE",
            description = "Write the page to this local file instead of RUN_DIR/report.html.")
    Path output;

    @Override
    public Integer call() throws Exception {
        RunDirectory run = new RunDirectory(RunPaths.toUri(runDir), Map.of());
        if (!RunRecord.looksLikeRun(run)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "RUN_DIR " + run.uri()
                            + " is not a run directory: it has none of config.yaml, metrics.jsonl, data.json; "
                            + "list runs with `distillery runs list --run-dir <run_dir>`");
        }
        if (output != null) {
            Files.writeString(output, ReportWriter.html(RunRecord.read(run, true)), StandardCharsets.UTF_8);
            System.out.println("report written to " + output.toAbsolutePath());
        } else {
            boolean written = Reports.refresh(run);
            System.out.println("report " + (written ? "written to " : "up to date: ") + run.uri() + "/" + Reports.FILE);
        }
        return ExitCodes.OK;
    }
}
