package io.distillery.jobs.faults;

import java.util.Map;

/** What one serving case did, in the fault table's terms. */
public record ServingOutcome(
        ServingCase fault,
        String expected,
        String actual,
        double seconds,
        boolean pass,
        String message,
        Map<String, Object> details)
        implements FaultResult {

    @Override
    public String name() {
        return fault.name();
    }

    @Override
    public String category() {
        return "serving";
    }

    @Override
    public String verdict() {
        return pass ? "pass" : "FAIL";
    }
}
