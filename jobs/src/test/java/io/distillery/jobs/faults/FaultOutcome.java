package io.distillery.jobs.faults;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one CLI case did. {@code exitCode} is {@link #HUNG} when it ran past twice its timeout,
 * {@link #CRASHED} when something escaped the CLI's own error handling, and {@link #NOT_RUN} when the
 * fault could not be planted.
 *
 * @param versions numbered version directories published by the command
 * @param completeVersions how many of those are COMPLETE
 * @param problems what the case's check found wrong, or why it did not run
 */
public record FaultOutcome(
        FaultCase fault,
        int exitCode,
        double seconds,
        boolean messageFound,
        int versions,
        int completeVersions,
        boolean inTime,
        List<String> problems,
        String message)
        implements FaultResult {
    public static final int HUNG = -1;
    public static final int NOT_RUN = -2;
    public static final int CRASHED = -3;

    public FaultOutcome {
        problems = List.copyOf(problems);
    }

    /**
     * A failing case passes with its exit code and message, its check holding, in time, nothing
     * published; a known gap needs only a non-zero exit, in time, nothing published (what falls short
     * still shows in {@link #actual}). A case the product should cope with passes with exit 0, exactly
     * one complete version and its check holding.
     */
    @Override
    public boolean pass() {
        if (!inTime) {
            return false;
        }
        if (fault.expectsSuccess()) {
            return exitCode == 0 && versions == 1 && completeVersions == 1 && messageFound && problems.isEmpty();
        }
        if (versions > 0 || exitCode <= 0) {
            return false;
        }
        return fault.knownGap() || (exitCode == fault.expectedExit() && messageFound && problems.isEmpty());
    }

    @Override
    public String verdict() {
        if (!pass()) {
            return "FAIL";
        }
        return fault.knownGap() ? "pass (GAP): " + fault.gap() : "pass";
    }

    @Override
    public String name() {
        return fault.name();
    }

    @Override
    public String category() {
        return fault.category();
    }

    @Override
    public String expected() {
        return "exit " + fault.expectedExit() + ", \"" + fault.messageFragment() + "\""
                + (fault.expectsSuccess() ? ", one complete version" : "");
    }

    @Override
    public String actual() {
        String exit = switch (exitCode) {
            case HUNG -> "hung";
            case NOT_RUN -> "not run";
            case CRASHED -> "crashed";
            default -> "exit " + exitCode;
        };
        String published = versions == 0
                ? "nothing published"
                : versions + " version(s) published, " + completeVersions + " complete";
        if (!fault.expectsSuccess() && versions > 0) {
            published = published.toUpperCase(java.util.Locale.ROOT);
        }
        return exit + (messageFound ? ", message ok" : ", message missing") + ", " + published
                + (problems.isEmpty() ? "" : "; " + String.join("; ", problems));
    }

    @Override
    public Map<String, Object> details() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("expected_exit", fault.expectedExit());
        m.put("expected_message", fault.messageFragment());
        m.put("timeout_seconds", fault.timeout().toSeconds());
        m.put("actual_exit", exitCode);
        m.put("message_found", messageFound);
        m.put("versions_published", versions);
        m.put("complete_versions", completeVersions);
        m.put("in_time", inTime);
        m.put("problems", problems);
        m.put("known_gap", fault.gap());
        return m;
    }
}
