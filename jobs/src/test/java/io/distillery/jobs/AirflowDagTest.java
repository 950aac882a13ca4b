package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.jobs.cli.Main;
import io.distillery.jobs.pipeline.RunPaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The Airflow DAG: it imports (against stub airflow modules: Airflow cannot be installed here), has one
 * SparkSubmitOperator per stage in pipeline order with retries, derives one run id per logical date,
 * every command it would run is valid for the CLI, and running a finished stage again with the same
 * run id changes nothing.
 */
class AirflowDagTest {
    static final List<String> STAGES = List.of("teacher", "distill", "prune", "export", "publish");

    @Test
    void oneSparkSubmitTaskPerStageInOrderWithRetries() throws Exception {
        JsonNode dag = AirflowDag.render(StagedRun.LOGICAL_DATE, Map.of());
        assertEquals("distillery", dag.get("dag_id").asText());
        assertFalse(dag.get("catchup").asBoolean(), "no backfill storm on first deploy");
        assertEquals(1, dag.get("max_active_runs").asInt());
        JsonNode tasks = dag.get("tasks");
        assertEquals(STAGES.size(), tasks.size());
        for (int i = 0; i < STAGES.size(); i++) {
            JsonNode t = tasks.get(i);
            assertEquals(STAGES.get(i), t.get("task_id").asText());
            assertEquals(
                    "DistillerySubmitOperator", t.get("type").asText(), "a SparkSubmitOperator that knows exit codes");
            assertEquals(
                    i == 0 ? "[]" : "[\"" + STAGES.get(i - 1) + "\"]",
                    t.get("upstream").toString(),
                    "each stage waits for the previous one");
            assertTrue(t.get("retries").asInt() >= 1, t.get("task_id") + " retries: " + t.get("retries"));
            assertTrue(t.get("retry_delay_seconds").asDouble() > 0);
            assertEquals(Main.class.getName(), t.get("java_class").asText(), "spark-submit --class");
            assertTrue(
                    t.get("application").asText().endsWith(".jar"),
                    t.get("application").asText());
            assertEquals(
                    "false",
                    t.at("/conf/spark.dynamicAllocation.enabled").asText(),
                    "barrier stages need dynamic allocation off");
            String properties = t.get("properties_file").asText();
            Path inRepo = AirflowDag.ROOT.resolve(properties.substring(properties.indexOf("cluster-conf/")));
            assertTrue(Files.isRegularFile(inRepo), "the DAG's default properties file is shipped: " + inRepo);
        }
    }

    @Test
    void everyCommandIsValidForTheCliAndTheRunIdComesFromTheLogicalDate() throws Exception {
        JsonNode dag = AirflowDag.render(StagedRun.LOGICAL_DATE, Map.of("DISTILLERY_WORKERS", "2"));
        List<List<String>> commands = AirflowDag.commands(dag);
        for (int i = 0; i < commands.size(); i++) {
            List<String> args = commands.get(i);
            // The real command line parser, as `spark-submit ... <jar> <args>` reaches it; throws if a
            // command or option does not exist.
            CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(new String[0]));
            assertTrue(parsed.hasSubcommand(), args.toString());
            CommandLine.ParseResult stage = parsed.subcommand();
            assertEquals(STAGES.get(i), stage.commandSpec().name(), args.toString());
            assertEquals(StagedRun.RUN_ID, stage.matchedOptionValue("--run-id", ""), args.toString());
            assertEquals(
                    List.of(Path.of("/opt/distillery/job.yaml")), stage.matchedOptionValue("--conf", List.<Path>of()));
            assertEquals(2, (int) stage.matchedOptionValue("--workers", 0));
            assertTrue(stage.unmatched().isEmpty(), "unmatched " + stage.unmatched());
            RunPaths.checkRunId(StagedRun.RUN_ID);
            assertTrue(dag.at("/tasks/" + i + "/name").asText().contains(StagedRun.RUN_ID), "app name names the run");
        }
        // A retry renders the same command; another logical date is another run.
        assertEquals(
                commands,
                AirflowDag.commands(AirflowDag.render(StagedRun.LOGICAL_DATE, Map.of("DISTILLERY_WORKERS", "2"))));
        List<List<String>> nextDay = AirflowDag.commands(AirflowDag.render("2025-03-02T00:00:00+00:00", Map.of()));
        assertNotEquals(commands.get(0).get(4), nextDay.get(0).get(4));
        assertEquals("airflow-20250302T000000", nextDay.get(0).get(4));
    }

    @Test
    void configDataAndQualityFailuresAreNotRetriedOthersAre() throws Exception {
        for (int code : new int[] {2, 3, 6}) {
            String seen = AirflowDag.failTask("teacher", code);
            assertTrue(seen.startsWith("AirflowFailException: distillery teacher exited " + code), code + ": " + seen);
        }
        for (int code : new int[] {1, 4, 5, 134, 137}) {
            String seen = AirflowDag.failTask("prune", code);
            assertTrue(seen.startsWith("AirflowException: "), code + " is retried: " + seen);
        }
    }

    @Test
    void theDeployModeComesFromThePropertiesFileUnlessGiven() throws Exception {
        for (String cm : new String[] {"yarn", "k8s", "standalone"}) {
            JsonNode dag = AirflowDag.render(
                    StagedRun.LOGICAL_DATE,
                    Map.of(
                            "DISTILLERY_SPARK_PROPERTIES",
                            AirflowDag.ROOT
                                    .resolve("cluster-conf/" + cm + "/spark-defaults.conf")
                                    .toString()));
            String expected = cm.equals("standalone") ? "client" : "cluster";
            assertEquals(expected, dag.get("tasks").get(0).get("deploy_mode").asText(), cm);
        }
        JsonNode given = AirflowDag.render(
                StagedRun.LOGICAL_DATE,
                Map.of(
                        "DISTILLERY_DEPLOY_MODE",
                        "client",
                        "DISTILLERY_SPARK_PROPERTIES",
                        AirflowDag.ROOT
                                .resolve("cluster-conf/yarn/spark-defaults.conf")
                                .toString()));
        assertEquals("client", given.get("tasks").get(0).get("deploy_mode").asText());
    }

    @Test
    void clusterDeployModeShipsTheJobConfigWithTheDriver() throws Exception {
        JsonNode dag = AirflowDag.render(
                StagedRun.LOGICAL_DATE,
                Map.of("DISTILLERY_DEPLOY_MODE", "cluster", "DISTILLERY_JOB_CONF", "/etc/jobs/fashion.yaml"));
        List<List<String>> commands = AirflowDag.commands(dag);
        for (int i = 0; i < commands.size(); i++) {
            JsonNode t = dag.get("tasks").get(i);
            assertEquals("cluster", t.get("deploy_mode").asText());
            assertEquals("/etc/jobs/fashion.yaml", t.get("files").asText(), "--files ships the config");
            CommandLine.ParseResult stage = Main.commandLine()
                    .parseArgs(commands.get(i).toArray(new String[0]))
                    .subcommand();
            assertEquals(STAGES.get(i), stage.commandSpec().name());
            assertEquals(
                    List.of(Path.of("fashion.yaml")),
                    stage.matchedOptionValue("--conf", List.<Path>of()),
                    "the driver finds it in its working directory");
        }
    }

    @Test
    void rerunningFinishedStagesWithTheSameRunIdChangesNothing() throws Exception {
        StagedRun run = StagedRun.get();
        assertTrue(Files.isRegularFile(run.modelDir().resolve("1/manifest.json")), "the DAG's commands published v1");
        assertTrue(Files.isRegularFile(run.runDir().resolve("report.html")));
        Map<String, String> runBefore = snapshot(run.runDir());
        Map<String, String> modelsBefore = snapshot(run.modelDir());
        // Airflow retries (or a cleared DAG run) execute the same commands again.
        for (List<String> c : run.commands) {
            CliHarness.Result r = CliHarness.run(c.toArray(new String[0]));
            assertEquals(0, r.exitCode(), c + "\n" + r);
            String stage = c.get(0);
            if (!stage.equals("publish")) {
                assertTrue(r.out().contains("already done in this run"), stage + " skipped:\n" + r.out());
            } else {
                assertTrue(r.out().contains("published version 1 (already published by this run)"), r.out());
            }
        }
        assertEquals(runBefore, snapshot(run.runDir()), "run directory unchanged (content and modification times)");
        assertEquals(modelsBefore, snapshot(run.modelDir()), "no new version, no file touched");
    }

    /** Every file under {@code dir}: relative path -> sha256 and modification time. */
    static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.put(
                        dir.relativize(f).toString(),
                        sha256(f) + " " + Files.getLastModifiedTime(f).toMillis());
            }
        }
        return out;
    }

    static String sha256(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
