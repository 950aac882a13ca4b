package io.distillery.jobs.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.jobs.failure.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's own checks catch what they claim to (no Spark needed). */
class FaultRunnerTest {
    @TempDir
    Path tmp;

    @Test
    void countsNumberedVersionsUnderAnyModelNameAndTheCompleteOnes() throws Exception {
        Path models = tmp.resolve("models");
        assertEquals(new PublishedVersions(0, 0), PublishedVersions.under(models));
        Files.createDirectories(models.resolve("tiny/latest"));
        Files.createDirectories(models.resolve("tiny/_staging-run-1"));
        assertEquals(new PublishedVersions(0, 0), PublishedVersions.under(models), "not versions");
        Files.createDirectories(models.resolve("tiny/1"));
        Files.writeString(models.resolve("tiny/1/saved_model.pb"), "half a model");
        assertEquals(new PublishedVersions(1, 0), PublishedVersions.under(models), "no manifest: not complete");
    }

    static final FaultCase FAILING =
            new FaultCase("x", "data", ExitCodes.DATA, "f", Duration.ofSeconds(1), d -> List.of());

    @Test
    void aPublishedVersionOrWrongExitFailsEvenAKnownGap() {
        FaultCase c = FAILING;
        assertTrue(outcome(c, 3, true, 0, 0, List.of()).pass());
        assertFalse(outcome(c, 3, true, 1, 0, List.of()).pass(), "published, even incomplete");
        assertFalse(outcome(c, 5, true, 0, 0, List.of()).pass(), "wrong exit");
        assertFalse(outcome(c, 3, false, 0, 0, List.of()).pass(), "no message");
        assertFalse(outcome(c, 3, true, 0, 0, List.of("staging left")).pass(), "the case's check failed");
        assertFalse(new FaultOutcome(c, FaultOutcome.HUNG, 2.5, false, 0, 0, false, List.of(), "hung").pass(), "hung");
        FaultCase gap = c.gap("why");
        assertTrue(outcome(gap, 5, false, 0, 0, List.of()).pass());
        assertTrue(outcome(gap, 3, true, 0, 0, List.of("staging left")).pass(), "what the gap describes");
        assertFalse(outcome(gap, 0, false, 0, 0, List.of()).pass(), "exit 0");
        assertFalse(outcome(gap, 5, false, 1, 1, List.of()).pass(), "published");
    }

    @Test
    void aCaseTheProductCopesWithNeedsExactlyOneCompleteVersion() {
        FaultCase c = new FaultCase("y", "data", ExitCodes.OK, "published", Duration.ofSeconds(1), d -> List.of());
        assertTrue(outcome(c, 0, true, 1, 1, List.of()).pass());
        assertFalse(outcome(c, 0, true, 0, 0, List.of()).pass(), "nothing published");
        assertFalse(outcome(c, 0, true, 1, 0, List.of()).pass(), "a partial version");
        assertFalse(outcome(c, 0, true, 2, 2, List.of()).pass(), "two versions");
        assertFalse(outcome(c, 3, true, 1, 1, List.of()).pass(), "non-zero exit");
        assertFalse(outcome(c, 0, true, 1, 1, List.of("shards unbalanced")).pass(), "the case's check failed");
    }

    @Test
    void theMessageFragmentMayNameTheCaseDirectory() {
        FaultCase c = new FaultCase(
                "z",
                "storage",
                ExitCodes.STORAGE,
                "to file://{dir}/models/tiny failed",
                Duration.ofSeconds(1),
                d -> List.of());
        assertEquals("to file:///tmp/x/models/tiny failed", c.fragmentIn(Path.of("/tmp/x")));
    }

    private static FaultOutcome outcome(
            FaultCase c, int exit, boolean message, int versions, int complete, List<String> problems) {
        return new FaultOutcome(c, exit, 0.1, message, versions, complete, true, problems, "m");
    }
}
