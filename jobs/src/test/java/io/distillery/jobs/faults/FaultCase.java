package io.distillery.jobs.faults;

import io.distillery.jobs.CliHarness;
import io.distillery.jobs.failure.ExitCodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One fault run through the CLI: what to break ({@link #args}, built against the case's own working
 * directory), the documented exit code it must end with (see {@code ExitCodes}; 0 when the product
 * should cope), a fragment of the output that must name the file, row, field, option or worker, and
 * how long it may take. {@code {dir}} in the fragment stands for the case directory.
 *
 * <p>A failing case must publish nothing; a case expected to succeed must publish exactly one
 * complete version.
 *
 * @param check what else must hold afterwards (weights kept, no staging left, shards balanced...),
 *     or {@code null}
 * @param cleanup undoes what planting did beyond plain files (a mount), or {@code null}
 * @param gap {@code null}, or why the current behaviour falls short of the ideal (then only a non-zero
 *     exit, nothing published and no hang are required, the check's findings are shown but do not
 *     fail the case, and the table says GAP)
 */
public record FaultCase(
        String name,
        String category,
        int expectedExit,
        String messageFragment,
        Duration timeout,
        Args args,
        Check check,
        Cleanup cleanup,
        String gap) {

    public FaultCase(
            String name, String category, int expectedExit, String messageFragment, Duration timeout, Args args) {
        this(name, category, expectedExit, messageFragment, timeout, args, null, null, null);
    }

    /** Builds the CLI arguments, planting the fault (files, config, mounts) under {@code dir} first. */
    @FunctionalInterface
    public interface Args {
        List<String> build(Path dir) throws Exception;
    }

    /**
     * Runs after the command (and after the published versions were counted), on its output with
     * everything it wrote to stderr.
     */
    @FunctionalInterface
    public interface Check {
        /** What does not hold; empty when all is well. */
        List<String> problems(Path dir, CliHarness.Result result) throws Exception;
    }

    /** Runs last, whatever happened. */
    @FunctionalInterface
    public interface Cleanup {
        void run(Path dir) throws Exception;
    }

    public FaultCase then(Check c) {
        return new FaultCase(name, category, expectedExit, messageFragment, timeout, args, c, cleanup, gap);
    }

    public FaultCase cleanup(Cleanup c) {
        return new FaultCase(name, category, expectedExit, messageFragment, timeout, args, check, c, gap);
    }

    public FaultCase gap(String why) {
        return new FaultCase(name, category, expectedExit, messageFragment, timeout, args, check, cleanup, why);
    }

    public boolean knownGap() {
        return gap != null;
    }

    /** The product should cope with this fault: exit 0 and one complete version. */
    public boolean expectsSuccess() {
        return expectedExit == ExitCodes.OK;
    }

    /** The message fragment for the case run in {@code dir}. */
    public String fragmentIn(Path dir) {
        return messageFragment.replace("{dir}", dir.toString());
    }
}
