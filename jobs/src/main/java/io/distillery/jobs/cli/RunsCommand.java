package io.distillery.jobs.cli;

import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.failure.ExitCodes;
import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.jobs.pipeline.RunPaths;
import io.distillery.jobs.report.RunRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code distillery runs list}: the recent runs of a run directory and their state. */
@Command(
        name = "runs",
        mixinStandardHelpOptions = true,
        description = {"Inspect runs: `runs list` shows recent runs and their state."},
        subcommands = {RunsCommand.ListRuns.class})
final class RunsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "use 'runs list'");
    }

    /** A run is "running" if its rank 0 reported progress this recently. */
    static final long FRESH_PROGRESS_MILLIS = 60_000;

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List recent runs, newest first: state (published, failed, running, incomplete), the stages "
                    + "done (teacher distill prune export publish), the published version and the final test "
                    + "accuracy. A failed run shows its command, exit code and message.")
    static final class ListRuns implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--run-dir",
                paramLabel = "DIR",
                description =
                        "Where runs live (a local path, hdfs://..., s3a://...). Default: run_dir of --conf, or of the defaults.")
        String runDir;

        @Option(
                names = {"-c", "--conf"},
                paramLabel = "FILE",
                description = "Take run_dir from this job config.")
        Path conf;

        @Option(
                names = {"-n", "--limit"},
                paramLabel = "N",
                defaultValue = "20",
                description = "Show at most N runs (default ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--json", description = "One JSON document (a list of runs) instead of a table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (limit < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be >= 1, found " + limit);
            }
            String base = runDir != null
                    ? RunPaths.toUri(runDir)
                    : RunPaths.toUri(ConfigLoader.load(conf, List.of()).runDir());
            RunDirectory root = new RunDirectory(base, Map.of());
            FileSystem fs = root.fs();
            List<Map<String, Object>> rows = new ArrayList<>();
            if (fs.exists(new org.apache.hadoop.fs.Path(root.uri()))) {
                long now = System.currentTimeMillis();
                List<Map.Entry<RunDirectory, Long>> runs = new ArrayList<>();
                for (FileStatus s : fs.listStatus(new org.apache.hadoop.fs.Path(root.uri()))) {
                    if (!s.isDirectory() || s.getPath().getName().startsWith(".")) {
                        continue;
                    }
                    RunDirectory run = root.child(s.getPath().getName());
                    if (RunRecord.looksLikeRun(run)) {
                        runs.add(Map.entry(run, Math.max(RunRecord.lastUpdate(run), s.getModificationTime())));
                    }
                }
                runs.sort(Map.Entry.<RunDirectory, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(e -> e.getKey().uri(), Comparator.reverseOrder()));
                for (Map.Entry<RunDirectory, Long> e : runs.subList(0, Math.min(limit, runs.size()))) {
                    rows.add(row(e.getKey(), e.getValue(), now));
                }
            }
            if (json) {
                System.out.println(io.distillery.stage.Json.MAPPER.writeValueAsString(rows));
                return ExitCodes.OK;
            }
            if (rows.isEmpty()) {
                System.out.println("(no runs in " + base + ")");
                return ExitCodes.OK;
            }
            String format = "%-24s %-12s %-10s %-37s %-7s %-8s %s%n";
            System.out.printf(
                    Locale.ROOT, format, "run id", "model", "state", "done", "version", "accuracy", "updated (UTC)");
            for (Map<String, Object> r : rows) {
                @SuppressWarnings("unchecked")
                List<String> done = (List<String>) r.get("done");
                Object model = r.get("model");
                System.out.printf(
                        Locale.ROOT,
                        format,
                        r.get("run_id"),
                        model == null || model.toString().isBlank() ? "-" : model,
                        r.get("state"),
                        done.isEmpty() ? "-" : String.join(" ", done),
                        r.get("version") == null ? "-" : r.get("version"),
                        r.get("accuracy") == null
                                ? "-"
                                : String.format(Locale.ROOT, "%.4f", (Double) r.get("accuracy")),
                        r.get("updated"));
                if (r.get("failure") != null) {
                    System.out.println("    " + r.get("failure"));
                } else if (r.get("running_stage") != null) {
                    System.out.println("    training " + r.get("running_stage"));
                }
            }
            return ExitCodes.OK;
        }

        private static Map<String, Object> row(RunDirectory run, long updated, long now) throws java.io.IOException {
            RunRecord r = RunRecord.read(run, false);
            String running = r.failure() == null && r.published() == null
                    ? RunRecord.runningStage(run, now, FRESH_PROGRESS_MILLIS)
                    : null;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run_id", r.runId());
            m.put("uri", r.uri());
            m.put("model", r.modelName());
            m.put("state", running != null ? "running" : r.state());
            m.put("done", r.commandsDone());
            m.put("next", r.nextCommand());
            m.put("version", r.published() == null ? null : r.published().version());
            m.put("accuracy", r.finalAccuracy());
            m.put(
                    "updated",
                    updated == 0
                            ? "-"
                            : DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
                                    .format(Instant.ofEpochMilli(updated).atZone(ZoneOffset.UTC)));
            m.put("running_stage", running);
            m.put(
                    "failure",
                    r.failure() == null
                            ? null
                            : r.failure().command() + " failed with exit code "
                                    + r.failure().exitCode() + " ("
                                    + exitName(r.failure().exitCode()) + "): "
                                    + r.failure().message());
            m.put("exit_code", r.failure() == null ? null : r.failure().exitCode());
            return m;
        }
    }

    /** The meaning of an exit code, as {@link ExitCodes} documents it. */
    static String exitName(int code) {
        return switch (code) {
            case ExitCodes.OK -> "success";
            case ExitCodes.INTERNAL -> "internal error";
            case ExitCodes.CONFIG -> "bad command line or config";
            case ExitCodes.DATA -> "bad data";
            case ExitCodes.STORAGE -> "storage failure";
            case ExitCodes.TRAINING -> "training failure";
            case ExitCodes.VERIFY -> "verification failed";
            default -> "exit " + code;
        };
    }
}
