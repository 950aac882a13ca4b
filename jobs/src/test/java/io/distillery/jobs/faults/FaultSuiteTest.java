package io.distillery.jobs.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole fault corpus. Every CLI case ends within twice its timeout with its documented exit code
 * and a message naming the fault; a failing one publishes nothing, one the product copes with
 * publishes exactly one complete version; each case's own check holds (weights kept, no staging
 * left, at most one checkpoint interval redone...). Every serving case gets its 4xx and JSON error
 * with the server still answering, or leaves a broken version unloaded and named. With
 * {@code -Dfaults.write=true} the table also goes to bench/results/faults.{md,json}.
 */
class FaultSuiteTest {
    @TempDir
    Path tmp;

    @Test
    void everyFaultIsNamedAndPublishesNothingPartial() throws Exception {
        // -Dfaults.only=a,b runs just those cases (no report is written then).
        Set<String> only = Arrays.stream(System.getProperty("faults.only", "").split(","))
                .filter(n -> !n.isBlank())
                .collect(Collectors.toSet());
        List<FaultCase> cli = FaultCorpus.all().stream()
                .filter(c -> only.isEmpty() || only.contains(c.name()))
                .toList();
        List<ServingCase> serving = ServingCorpus.all().stream()
                .filter(c -> only.isEmpty() || only.contains(c.name()))
                .toList();
        List<FaultResult> results = new ArrayList<>(FaultRunner.runAll(cli, tmp));
        if (!serving.isEmpty()) {
            results.addAll(ServingFaultRunner.runAll(serving, tmp));
        }
        String table = FaultReport.table(results);
        System.out.println(table);
        if (Boolean.getBoolean("faults.write") && only.isEmpty()) {
            FaultReport.write(results);
        }
        List<String> failures = results.stream()
                .filter(r -> !r.pass())
                .map(r -> r.name() + ": expected " + r.expected() + "; actual " + r.actual() + " (" + r.message() + ")")
                .toList();
        assertTrue(failures.isEmpty(), String.join("\n", failures) + "\n\n" + table);
        assertEquals(cli.size() + serving.size(), results.size());
        if (only.isEmpty()) {
            Set<String> categories = results.stream().map(FaultResult::category).collect(Collectors.toSet());
            assertEquals(Set.of("data", "config", "run", "storage", "serving"), categories);
        } else {
            assertEquals(only.size(), results.size(), "-Dfaults.only names unknown cases: " + only);
        }
    }
}
