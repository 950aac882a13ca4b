package io.distillery.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillery.jobs.pipeline.RunPaths;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --set} of list keys as users write them, and the command a run's report tells them to run. */
class OverridesTest {
    @Test
    void aListMayBeGivenWithOrWithoutBracketsAndKeepsNumbersAndLayers() {
        for (String shape : List.of("8,8,1", "[8,8,1]", "[8, 8, 1]")) {
            JobConfig c = ConfigLoader.load(null, List.of("data.input_shape=" + shape));
            assertEquals(List.of(8, 8, 1), c.data().inputShape(), shape);
        }
        for (String layers : List.of(
                "[flatten,dense(64,relu),dense(10)]",
                "flatten,dense(64,relu),dense(10)",
                "[flatten, 'dense(64,relu)', 'dense(10)']")) {
            JobConfig c = ConfigLoader.load(null, List.of("teacher.layers=" + layers));
            assertEquals(
                    List.of("flatten", "dense(64,relu)", "dense(10)"),
                    c.teacher().layers(),
                    layers);
        }
    }

    @Test
    void theResumeCommandCarriesARunDirThatIsNotTheDefault() {
        String inDefault = RunPaths.runUri(ConfigLoader.defaults(), "r1");
        assertEquals("distillery pipeline --run-id r1", RunPaths.resumeCommand("pipeline", inDefault, "r1"));
        String elsewhere = Path.of("/data/runs/r2").toUri().toString();
        assertEquals(
                "distillery prune --run-id r2 --set run_dir=file:///data/runs",
                RunPaths.resumeCommand("prune", elsewhere, "r2"));
    }
}
