package io.distillery.jobs.faults;

/** What one case did. {@code exitCode} is -1 when it hung past twice its timeout. */
public record FaultOutcome(
    FaultCase fault,
    int exitCode,
    double seconds,
    boolean messageFound,
    boolean published,
    boolean inTime,
    String message) {

  /** Passed as specified, or (a known gap) at least failed non-zero, in time, with nothing published. */
  public boolean pass() {
    if (!inTime || published || exitCode <= 0) {
      return false;
    }
    return fault.knownGap() || (exitCode == fault.expectedExit() && messageFound);
  }

  public String verdict() {
    if (!pass()) {
      return "FAIL";
    }
    return fault.knownGap() ? "pass (GAP)" : "pass";
  }
}
