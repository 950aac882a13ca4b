package io.distillery.jobs.pipeline;

import io.distillery.jobs.config.JobConfig;
import java.nio.file.Paths;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/** Run ids and the URIs of run directories and model paths. */
public final class RunPaths {
    private RunPaths() {}

    /** A new run id: UTC time plus a random suffix, sortable and unique enough for humans. */
    public static String newRunId() {
        return DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(ZonedDateTime.now(ZoneOffset.UTC)) + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    }

    public static void checkRunId(String runId) {
        if (runId == null || !runId.matches("[A-Za-z0-9][A-Za-z0-9_.:+-]{0,127}")) {
            throw new io.distillery.jobs.config.ConfigException(
                    "--run-id must be 1-128 letters, digits, '.', '_', ':', '+' or '-', found '" + runId + "'");
        }
    }

    /** A local path becomes an absolute {@code file:} URI; a URI with a scheme is kept. */
    public static String toUri(String pathOrUri) {
        if (pathOrUri.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
            return pathOrUri;
        }
        return strip(Paths.get(pathOrUri).toAbsolutePath().normalize().toUri().toString());
    }

    public static String runUri(JobConfig config, String runId) {
        return strip(toUri(config.runDir())) + "/" + runId;
    }

    /**
     * The command that continues the run at {@code runUri} with its own recorded config: with
     * {@code --set run_dir=...} when the run is not under the default run directory, since the run id
     * alone would not find it.
     */
    public static String resumeCommand(String command, String runUri, String runId) {
        String cmd = "distillery " + command + " --run-id " + runId;
        String runDir = strip(runUri).endsWith("/" + runId)
                ? strip(runUri).substring(0, strip(runUri).length() - runId.length() - 1)
                : strip(runUri);
        if (!runDir.equals(strip(toUri(DEFAULT_RUN_DIR)))) {
            cmd += " --set run_dir=" + runDir;
        }
        return cmd;
    }

    /** {@code run_dir}'s default (cluster-conf/distillery-defaults.yaml), relative to the working directory. */
    static final String DEFAULT_RUN_DIR = "runs";

    public static String modelUri(JobConfig config) {
        return strip(toUri(config.publish().basePath())) + "/" + config.name();
    }

    private static String strip(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
