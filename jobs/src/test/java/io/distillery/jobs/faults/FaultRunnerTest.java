package io.distillery.jobs.faults;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.jobs.cli.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's own checks catch what they claim to (no Spark needed). */
class FaultRunnerTest {
  @TempDir Path tmp;

  @Test
  void seesANumberedVersionUnderAnyModelName() throws Exception {
    assertFalse(FaultRunner.published(tmp));
    Files.createDirectories(tmp.resolve("models/tiny/latest"));
    assertFalse(FaultRunner.published(tmp), "a non-numbered directory is not a version");
    Files.createDirectories(tmp.resolve("models/tiny/1"));
    assertTrue(FaultRunner.published(tmp));
  }

  @Test
  void aPublishedVersionOrWrongExitFailsEvenAKnownGap() {
    FaultCase c = new FaultCase("x", "data", ExitCodes.DATA, "f", Duration.ofSeconds(1), d -> List.of(), null);
    assertTrue(new FaultOutcome(c, 3, 0.1, true, false, true, "f").pass());
    assertFalse(new FaultOutcome(c, 3, 0.1, true, true, true, "f").pass(), "published");
    assertFalse(new FaultOutcome(c, 5, 0.1, true, false, true, "f").pass(), "wrong exit");
    assertFalse(new FaultOutcome(c, 3, 0.1, false, false, true, "").pass(), "no message");
    assertFalse(new FaultOutcome(c, -1, 2.5, false, false, false, "hung").pass(), "hung");
    FaultCase gap = c.gap("why");
    assertTrue(new FaultOutcome(gap, 5, 0.1, false, false, true, "").pass());
    assertFalse(new FaultOutcome(gap, 0, 0.1, false, false, true, "").pass(), "exit 0");
    assertFalse(new FaultOutcome(gap, 5, 0.1, false, true, true, "").pass(), "published");
  }
}
