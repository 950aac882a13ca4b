package io.distillery.jobs.cli;

import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.pipeline.RunPaths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every job command shares: the config, overrides and the run id. */
public final class JobOptions {
    @Option(
            names = {"-c", "--conf"},
            paramLabel = "FILE",
            description =
                    "Job config (YAML); keys not given keep their defaults (cluster-conf/distillery-defaults.yaml). Repeatable: later files win (a teacher preset, then a student preset).")
    List<Path> confs = new ArrayList<>();

    @Option(
            names = {"-s", "--set"},
            paramLabel = "KEY=VALUE",
            description =
                    "Override one config key, e.g. --set teacher.epochs=2 --set export.formats=savedmodel,tflite.")
    List<String> overrides = new ArrayList<>();

    @Option(
            names = {"-w", "--workers"},
            paramLabel = "N",
            description =
                    "Data-parallel training tasks, one per executor slot (same as --set spark.workers=N). More than one trains every stage as a Spark barrier stage with gradients all-reduced each step; batch_size is per worker.")
    Integer workers;

    @Option(
            names = "--run-id",
            paramLabel = "ID",
            description =
                    "Run id: the run directory is <run_dir>/<ID>. Reusing an id resumes that run with the config it was started with and skips finished stages; a --conf or --set that changes what it produces is refused (exit 2). Default: a new id.")
    String runId;

    @Option(
            names = "--restart",
            description =
                    "With --run-id of an existing run: delete that run's directory and start it over with the given config.")
    boolean restart;

    JobConfig config() {
        return ConfigLoader.loadAll(confs, allOverrides());
    }

    /** The --set overrides, then --workers (the more specific option wins). */
    List<String> allOverrides() {
        List<String> all = new ArrayList<>(overrides);
        if (workers != null) {
            all.add("spark.workers=" + workers);
        }
        return all;
    }

    String runIdOrNew() {
        String id = runId == null ? RunPaths.newRunId() : runId;
        RunPaths.checkRunId(id);
        return id;
    }
}
