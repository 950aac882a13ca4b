package io.distillery.jobs.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole fault corpus: every case ends within twice its timeout, non-zero, with nothing published;
 * every case that is not a known gap ends with its documented exit code and message. With
 * {@code -Dfaults.write=true} the table also goes to bench/results/faults.{md,json}.
 */
class FaultSuiteTest {
  @TempDir Path tmp;

  @Test
  void everyFaultIsNamedAndPublishesNothing() throws Exception {
    List<FaultCase> corpus = FaultCorpus.all();
    List<FaultOutcome> results = FaultRunner.runAll(corpus, tmp);
    String table = FaultRunner.table(results);
    System.out.println(table);
    if (Boolean.getBoolean("faults.write")) {
      FaultRunner.write(results);
    }
    List<String> failures = new ArrayList<>();
    for (FaultOutcome o : results) {
      FaultCase c = o.fault();
      String where = c.name() + " (" + o.message() + ")";
      if (!o.inTime()) {
        failures.add(where + ": took " + o.seconds() + " s, over 2x the " + c.timeout().toSeconds() + " s timeout");
      }
      if (o.published()) {
        failures.add(where + ": a numbered version was published");
      }
      if (o.exitCode() <= 0) {
        failures.add(where + ": exit " + o.exitCode());
      }
      if (!c.knownGap()) {
        if (o.exitCode() != c.expectedExit()) {
          failures.add(where + ": expected exit " + c.expectedExit() + ", got " + o.exitCode());
        }
        if (!o.messageFound()) {
          failures.add(where + ": message lacks \"" + c.messageFragment() + "\"");
        }
      }
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures) + "\n\n" + table);
    assertEquals(corpus.size(), results.size());
    assertFalse(corpus.stream().map(FaultCase::category).distinct().toList().isEmpty());
  }
}
