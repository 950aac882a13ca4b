package io.distillery.jobs.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.stage.Json;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last failed command of a run ({@value #FILE} at the top of its run directory): which command,
 * the exit code it returned and its message. A later success of the same command (or of {@code
 * pipeline}) removes it, so a retried Airflow task that succeeds leaves the run healthy again.
 *
 * @param command the CLI command that failed: pipeline, teacher, distill, prune, export or publish
 * @param exitCode the process exit code (see {@code ExitCodes})
 * @param time when it failed, ISO-8601 UTC
 */
public record FailureRecord(String command, int exitCode, String message, String time) {
    public static final String FILE = "failure.json";
    private static final ObjectMapper JSON = Json.MAPPER;

    public FailureRecord {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("failure record without a command");
        }
        message = message == null ? "" : message;
        time = time == null ? "" : time;
    }

    public void write(RunDirectory run) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", command);
        m.put("exit_code", exitCode);
        m.put("message", message);
        m.put("time", time);
        run.writeString(FILE, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n");
    }

    /** The run's failure record, or null if it has none. */
    public static FailureRecord read(RunDirectory run) throws IOException {
        if (!run.exists(FILE)) {
            return null;
        }
        Map<?, ?> m = JSON.readValue(run.read(FILE), Map.class);
        Object code = m.get("exit_code");
        return new FailureRecord(
                String.valueOf(m.get("command")),
                code instanceof Number n ? n.intValue() : 1,
                m.get("message") == null ? "" : String.valueOf(m.get("message")),
                m.get("time") == null ? "" : String.valueOf(m.get("time")));
    }

    /**
     * After {@code command} succeeded: removes a failure it had recorded (any failure, if the command
     * was the whole pipeline). Writes nothing when there is nothing to clear.
     */
    public static void clearAfterSuccess(RunDirectory run, String command) throws IOException {
        FailureRecord f = read(run);
        if (f != null && (f.command().equals(command) || command.equals("pipeline"))) {
            run.delete(FILE);
        }
    }
}
