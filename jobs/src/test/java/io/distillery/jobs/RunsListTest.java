package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.jobs.failure.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `distillery runs list`: each run's state for people (a table) and schedulers (--json). */
class RunsListTest {
    @TempDir
    static Path tmp;

    static Path conf;

    @BeforeAll
    static void makeRuns() throws Exception {
        conf = tmp.resolve("job.yaml");
        Files.writeString(conf, StagedRun.config(tmp));
        // A run stopped after its first stage (as between two Airflow tasks).
        assertEquals(
                0,
                CliHarness.run("teacher", "--conf", conf.toString(), "--run-id", "partial")
                        .exitCode());
        // A stage run before the one it needs: training failure (5).
        assertEquals(
                ExitCodes.TRAINING,
                CliHarness.run("distill", "--conf", conf.toString(), "--run-id", "early")
                        .exitCode());
        // Data that is not there: data failure (3).
        assertEquals(
                ExitCodes.DATA,
                CliHarness.run(
                                "teacher",
                                "--conf",
                                conf.toString(),
                                "--run-id",
                                "nodata",
                                "--set",
                                "data.train=" + tmp.resolve("missing.parquet"))
                        .exitCode());
    }

    static Map<String, JsonNode> listJson(String runDir) throws Exception {
        CliHarness.Result r = CliHarness.run("runs", "list", "--run-dir", runDir, "--json");
        assertEquals(0, r.exitCode(), r.toString());
        Map<String, JsonNode> byId = new HashMap<>();
        for (JsonNode run : new ObjectMapper().readTree(r.out())) {
            byId.put(run.get("run_id").asText(), run);
        }
        return byId;
    }

    @Test
    void showsStateStagesVersionAndFailures() throws Exception {
        Map<String, JsonNode> runs = listJson(tmp.resolve("runs").toString());
        assertEquals(3, runs.size(), runs.toString());

        JsonNode partial = runs.get("partial");
        assertEquals("incomplete", partial.get("state").asText());
        assertEquals("[\"teacher\"]", partial.get("done").toString());
        assertEquals("distill", partial.get("next").asText());
        assertTrue(partial.get("version").isNull());

        JsonNode early = runs.get("early");
        assertEquals("failed", early.get("state").asText());
        assertEquals(ExitCodes.TRAINING, early.get("exit_code").asInt());
        assertTrue(
                early.get("failure").asText().startsWith("distill failed with exit code 5 (training failure)"),
                early.get("failure").asText());

        JsonNode nodata = runs.get("nodata");
        assertEquals("failed", nodata.get("state").asText());
        assertEquals(ExitCodes.DATA, nodata.get("exit_code").asInt());
        assertTrue(
                nodata.get("failure").asText().contains("missing.parquet"),
                nodata.get("failure").asText());

        CliHarness.Result table = CliHarness.run("runs", "list", "--conf", conf.toString());
        assertEquals(0, table.exitCode(), table.toString());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("run id ") && l.contains(" model ")), table.out());
        assertTrue(
                table.out().lines().anyMatch(l -> l.startsWith("partial ") && l.contains(" " + "tiny" + " ")),
                table.out());
        assertTrue(
                table.out()
                        .lines()
                        .anyMatch(l -> l.startsWith("partial ") && l.contains("incomplete") && l.contains("teacher")),
                table.out());
        assertTrue(table.out().contains("distill failed with exit code 5 (training failure)"), table.out());
        CliHarness.Result one = CliHarness.run("runs", "list", "--conf", conf.toString(), "-n", "1", "--json");
        assertEquals(1, new ObjectMapper().readTree(one.out()).size(), one.out());
    }

    @Test
    void aPublishedRunAndAResolvedFailure() throws Exception {
        StagedRun staged = StagedRun.get();
        JsonNode run = listJson(staged.dir.resolve("runs").toString()).get(StagedRun.RUN_ID);
        assertEquals("published", run.get("state").asText());
        assertEquals(
                "[\"teacher\",\"distill\",\"prune\",\"export\",\"publish\"]",
                run.get("done").toString());
        assertEquals(1, run.get("version").asInt());
        assertTrue(run.get("accuracy").asDouble() > 0.3, run.toString());
        assertNull(run.get("next").textValue());

        // A failed stage that succeeds on retry leaves the run healthy: the failure record goes away.
        Path dir = tmp.resolve("retry");
        Files.createDirectories(dir);
        Path c = dir.resolve("job.yaml");
        Files.writeString(c, StagedRun.config(dir));
        assertEquals(
                ExitCodes.TRAINING,
                CliHarness.run("distill", "--conf", c.toString(), "--run-id", "r")
                        .exitCode());
        assertEquals(
                "failed",
                listJson(dir.resolve("runs").toString()).get("r").get("state").asText());
        assertEquals(
                0,
                CliHarness.run("teacher", "--conf", c.toString(), "--run-id", "r")
                        .exitCode());
        assertEquals(
                "failed",
                listJson(dir.resolve("runs").toString()).get("r").get("state").asText(),
                "another command's success does not hide distill's failure");
        assertEquals(
                0,
                CliHarness.run("distill", "--conf", c.toString(), "--run-id", "r")
                        .exitCode());
        JsonNode healed = listJson(dir.resolve("runs").toString()).get("r");
        assertEquals("incomplete", healed.get("state").asText());
        assertTrue(healed.get("failure").isNull());
        assertFalse(Files.exists(dir.resolve("runs/r/failure.json")));
    }

    @Test
    void emptyOrMissingRunDirAndUsageErrors() throws Exception {
        CliHarness.Result none = CliHarness.run(
                "runs", "list", "--run-dir", tmp.resolve("nothing-here").toString());
        assertEquals(0, none.exitCode(), none.toString());
        assertTrue(none.out().contains("(no runs in"), none.out());
        assertEquals(
                ExitCodes.CONFIG, CliHarness.run("runs", "list", "--limit", "0").exitCode());
        assertEquals(ExitCodes.CONFIG, CliHarness.run("runs").exitCode());
        CliHarness.Result help = CliHarness.run("--help");
        assertTrue(help.out().contains("runs") && help.out().contains("report"), help.out());
    }
}
