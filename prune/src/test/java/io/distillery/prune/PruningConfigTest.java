package io.distillery.prune;

import static io.distillery.prune.SparsityScheduleTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillery.prune.SparsitySchedule.ConstantSparsity;
import io.distillery.prune.SparsitySchedule.PolynomialDecay;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PruningConfigTest {

  @Test
  void polynomialFromMixedValueTypesWithTfMotDefaults() {
    PruningConfig c =
        PruningConfig.fromMap(
            Map.of(
                "schedule", "polynomial_decay",
                "initial_sparsity", 0,
                "final_sparsity", "0.8",
                "begin_step", 0L,
                "end_step", 100.0));
    assertEquals(new PolynomialDecay(0.0, 0.8, 0, 100, 3.0, 100), c.schedule());
    assertEquals(PruningScope.KERNELS, c.scope());
  }

  @Test
  void constantDefaultsAndFinalSparsityAlias() {
    ConstantSparsity expected = new ConstantSparsity(0.5, 0, -1, 100);
    assertEquals(expected, PruningConfig.fromMap(
        Map.of("schedule", "constant", "target_sparsity", 0.5, "begin_step", 0)).schedule());
    assertEquals(expected, PruningConfig.fromMap(
        Map.of("schedule", "constant", "final_sparsity", 0.5, "begin_step", 0)).schedule());
    assertMessage("prune.target_sparsity and prune.final_sparsity are the same setting",
        () -> PruningConfig.fromMap(Map.of("schedule", "constant", "target_sparsity", 0.5,
            "final_sparsity", 0.5, "begin_step", 0)));
  }

  @Test
  void roundTripsThroughItsMap() {
    PruningConfig poly = new PruningConfig(
        new PolynomialDecay(0.1, 0.9, 5, 505, 2.0, 25), new PruningScope("dense_1/kernel"));
    PruningConfig constant = new PruningConfig(
        new ConstantSparsity(0.75, 0, SparsitySchedule.NEVER_ENDS, 1), PruningScope.KERNELS);
    assertEquals(poly, PruningConfig.fromMap(poly.toMap()));
    assertEquals(constant, PruningConfig.fromMap(constant.toMap()));
    assertEquals("polynomial_decay", poly.toMap().get("schedule"));
    assertEquals("dense_1/kernel", poly.toMap().get("include"));
  }

  @Test
  void badConfigsSayWhatWasExpected() {
    assertMessage("prune.schedule must be one of [constant, polynomial_decay], found 'cosine'",
        () -> PruningConfig.fromMap(Map.of("schedule", "cosine")));
    assertMessage("prune.schedule is missing",
        () -> PruningConfig.fromMap(Map.of("final_sparsity", 0.5)));
    assertMessage("prune.final_sparsty is not a setting of schedule polynomial_decay",
        () -> PruningConfig.fromMap(Map.of("schedule", "polynomial_decay", "initial_sparsity", 0,
            "final_sparsty", 0.8, "begin_step", 0, "end_step", 10)));
    assertMessage("prune.power is not a setting of schedule constant",
        () -> PruningConfig.fromMap(Map.of("schedule", "constant", "target_sparsity", 0.5,
            "begin_step", 0, "power", 3)));
    assertMessage("prune.end_step is missing",
        () -> PruningConfig.fromMap(Map.of("schedule", "polynomial_decay", "initial_sparsity", 0,
            "final_sparsity", 0.8, "begin_step", 0)));
    assertMessage("prune.begin_step must be an integer, found '10.5'",
        () -> PruningConfig.fromMap(Map.of("schedule", "constant", "target_sparsity", 0.5,
            "begin_step", 10.5)));
    assertMessage("prune.final_sparsity must be a number, found 'high'",
        () -> PruningConfig.fromMap(Map.of("schedule", "constant", "final_sparsity", "high",
            "begin_step", 0)));
    assertMessage("prune.final_sparsity must be in [0, 1), found -0.2",
        () -> PruningConfig.fromMap(Map.of("schedule", "polynomial_decay", "initial_sparsity", 0,
            "final_sparsity", -0.2, "begin_step", 0, "end_step", 10)));
    Map<String, Object> badRegex = new HashMap<>(
        Map.of("schedule", "constant", "target_sparsity", 0.5, "begin_step", 0));
    badRegex.put("include", "dense_[/kernel");
    assertMessage("prune.include must be a valid regular expression, found 'dense_[/kernel'",
        () -> PruningConfig.fromMap(badRegex));
  }
}
