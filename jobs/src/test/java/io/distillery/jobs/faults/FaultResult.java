package io.distillery.jobs.faults;

import java.util.Map;

/** One row of the fault table, whatever kind of case produced it. */
public interface FaultResult {
    String name();

    String category();

    /** What the case requires, in a few words. */
    String expected();

    /** What happened, in the same terms. */
    String actual();

    double seconds();

    boolean pass();

    /** pass, pass (GAP) or FAIL, with the gap's reason. */
    String verdict();

    /** The product's own message (first error line, or what names the fault). */
    String message();

    /** Case-specific fields for the JSON report. */
    Map<String, Object> details();
}
