package io.distillery.jobs.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One fault: what to break ({@link #args}, built against the case's own working directory), the
 * documented exit code it must end with (see {@code ExitCodes}), a fragment of the message that must
 * name the file, row, field or option, and how long it may take.
 *
 * @param gap {@code null}, or why the current behaviour falls short of the ideal (then only a non-zero
 *     exit, nothing published and no hang are required, and the table says GAP)
 */
public record FaultCase(
    String name,
    String category,
    int expectedExit,
    String messageFragment,
    Duration timeout,
    Args args,
    String gap) {

  /** Builds the CLI arguments, planting the fault (files, config) under {@code dir} first. */
  @FunctionalInterface
  public interface Args {
    List<String> build(Path dir) throws Exception;
  }

  public FaultCase gap(String why) {
    return new FaultCase(name, category, expectedExit, messageFragment, timeout, args, why);
  }

  public boolean knownGap() {
    return gap != null;
  }
}
