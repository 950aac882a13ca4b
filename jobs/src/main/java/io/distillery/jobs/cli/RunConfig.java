package io.distillery.jobs.cli;

import io.distillery.jobs.config.ConfigException;
import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.jobs.pipeline.RunPaths;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The config a job command runs with. A run directory keeps the config its run was started with
 * ({@code config.yaml}); a later command on the same run id uses it, with any {@code --set} on top,
 * unless {@code --conf} gives another. A config that would change what the run produces stops the
 * command (exit 2) with the differences, instead of mixing two configs in one run: finished stages
 * would be skipped and the new settings silently ignored. {@code --restart} discards the run instead.
 */
final class RunConfig {
    /**
     * Keys that change how a run executes or where its model goes, not what it produces: they may
     * differ between commands on one run (a retry on another cluster, a publish to another store).
     */
    static final List<String> EXECUTION_KEYS = List.of(
            "spark.master",
            "spark.max_attempts",
            "spark.checkpoint_every_steps",
            "spark.operation_timeout_ms",
            "spark.conf",
            "publish",
            // Trials are kept by their own settings: a search can be widened or its budgets changed.
            "search");

    private RunConfig() {}

    /** The config for {@code command} on run {@code runId}, checked against the run's own. */
    static JobConfig resolve(JobOptions options, String runId, String command, PrintStream out) {
        JobConfig given = options.config();
        RunDirectory run = new RunDirectory(RunPaths.runUri(given, runId), hadoopSettings(given));
        String recordedYaml;
        try {
            if (!run.exists("config.yaml")) {
                return given;
            }
            recordedYaml = run.readString("config.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read run directory " + run.uri() + ": " + e.getMessage(), e);
        }
        String source = run.uri() + "/config.yaml";
        JobConfig recorded = ConfigLoader.parse(recordedYaml, source, List.of());
        JobConfig wanted =
                options.confs.isEmpty() ? ConfigLoader.parse(recordedYaml, source, options.allOverrides()) : given;
        List<String> differences = differences(recorded, wanted);
        if (differences.isEmpty()) {
            return wanted;
        }
        if (options.restart) {
            try {
                run.fs().delete(new org.apache.hadoop.fs.Path(run.uri()), true);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "cannot delete run directory " + run.uri() + " for --restart: " + e.getMessage(), e);
            }
            out.println("run      " + runId + ": --restart, the run's earlier work is discarded (" + differences.size()
                    + " setting(s) changed)");
            return wanted;
        }
        throw new ConfigException("run " + runId + " was started with a different config (" + source + "): "
                + String.join("; ", differences)
                + ". To go on with the run as it was: " + RunPaths.resumeCommand(command, run.uri(), runId)
                + " (without --conf or --set); to keep it and try the new config: a new --run-id; to discard it"
                + " and start over with the new config: add --restart");
    }

    /** {@code key: recorded → wanted} for every setting that changes what the run produces. */
    static List<String> differences(JobConfig recorded, JobConfig wanted) {
        Map<String, String> a = ConfigLoader.flat(recorded);
        Map<String, String> b = ConfigLoader.flat(wanted);
        List<String> out = new ArrayList<>();
        for (String key : new TreeSet<>(union(a, b))) {
            if (EXECUTION_KEYS.stream().anyMatch(k -> key.equals(k) || key.startsWith(k + "."))) {
                continue;
            }
            String x = a.get(key);
            String y = b.get(key);
            if (!java.util.Objects.equals(x, y)) {
                out.add(key + " " + x + " in the run, " + y + " now");
            }
        }
        return out;
    }

    private static java.util.Set<String> union(Map<String, String> a, Map<String, String> b) {
        java.util.Set<String> keys = new java.util.HashSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }

    /** The Hadoop settings a config gives through {@code spark.conf} ({@code spark.hadoop.*}). */
    static Map<String, String> hadoopSettings(JobConfig config) {
        Map<String, String> out = new LinkedHashMap<>();
        config.spark().conf().forEach((k, v) -> {
            if (k.startsWith("spark.hadoop.")) {
                out.put(k.substring("spark.hadoop.".length()), v);
            }
        });
        return out;
    }
}
