package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.jobs.data.DataException;
import io.distillery.jobs.failure.ExitCodes;
import io.distillery.jobs.pipeline.Stages;
import io.distillery.jobs.spark.BarrierStage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training in local mode ({@code local[2]}: two barrier tasks, two TF servers, one
 * JVM): the whole pipeline with {@code --workers 2}, and the pre-flight refusals.
 */
class DistributedLocalTest {
    @TempDir
    static Path tmp;

    static Path conf;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void writeConfig() throws Exception {
        conf = tmp.resolve("tiny.yaml");
        Files.writeString(conf, PipelineEndToEndTest.smallConfig(tmp));
    }

    @Test
    void wholePipelineWithTwoWorkersKeepsThemInSyncAndPublishes() throws Exception {
        CliHarness.Result r = CliHarness.run(
                "pipeline",
                "--conf",
                conf.toString(),
                "--workers",
                "2",
                "--run-id",
                "two",
                "--set",
                "spark.checkpoint_every_steps=3");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("2 worker(s)"), r.out());
        for (String stage : Stages.TRAINING) {
            JsonNode record = JSON.readTree(
                    tmp.resolve("runs/two/" + stage + "/" + BarrierStage.RECORD).toFile());
            assertEquals(2, record.get("workers").asInt(), stage);
            // 1200 rows over 2 shards of 600, 128 per worker: 5 steps per epoch on each.
            assertEquals(5, record.get("steps_per_epoch").asInt(), stage);
            JsonNode ranks = record.get("ranks");
            assertEquals(2, ranks.size());
            assertEquals(
                    ranks.get(0).get("weights_sha256").asText(),
                    ranks.get(1).get("weights_sha256").asText(),
                    stage + ": both workers end with bit-identical weights");
            assertEquals(
                    record.get("total_steps").asLong(),
                    ranks.get(1).get("steps").asLong());
            assertEquals("succeeded", record.at("/attempts/0/outcome").asText());
            assertTrue(Files.isDirectory(tmp.resolve("runs/two/" + stage + "/checkpoints")), stage + " checkpointed");
        }
        assertTrue(Files.isRegularFile(tmp.resolve("models/tiny/1/saved_model.pb")), r.out());
        // TF servers cannot be stopped: every stage after the first runs on the first stage's servers.
        java.util.Set<String> addresses = new java.util.TreeSet<>();
        for (int i = 0; i < Stages.TRAINING.size(); i++) {
            for (int rank = 0; rank < 2; rank++) {
                JsonNode placement = JSON.readTree(
                        tmp.resolve("runs/two/" + Stages.TRAINING.get(i) + "/workers/attempt-1-rank-" + rank + ".json")
                                .toFile());
                addresses.add(placement.get("address").asText());
                if (i > 0) {
                    assertTrue(
                            placement.get("reused").asBoolean(),
                            Stages.TRAINING.get(i) + " rank " + rank + ": " + placement);
                }
            }
        }
        assertEquals(2, addresses.size(), "one server per rank for the whole pipeline: " + addresses);
    }

    @Test
    void retriesStopAtMaxAttemptsWithATrainingFailure() throws Exception {
        // A 1 ms operation timeout fails every attempt in TensorFlow (a retryable failure, unlike bad data).
        CliHarness.Result r = CliHarness.run(
                "teacher",
                "--conf",
                conf.toString(),
                "--workers",
                "2",
                "--run-id",
                "timeout",
                "--set",
                "spark.operation_timeout_ms=1",
                "--set",
                "spark.max_attempts=2");
        assertEquals(ExitCodes.TRAINING, r.exitCode(), r.toString());
        assertTrue(r.err().contains("failed 2 time(s) (spark.max_attempts = 2)"), r.err());
        assertTrue(r.out().contains("attempt 1 failed"), r.out());
        JsonNode record = JSON.readTree(
                tmp.resolve("runs/timeout/teacher/" + BarrierStage.RECORD).toFile());
        assertEquals(2, record.get("attempts").size());
        for (JsonNode a : record.get("attempts")) {
            assertEquals("failed", a.get("outcome").asText());
        }
    }

    @Test
    void moreWorkersThanSlotsFailsBeforeTheBarrierStage() {
        CliHarness.Result r =
                CliHarness.run("teacher", "--conf", conf.toString(), "--workers", "3", "--run-id", "three");
        assertEquals(ExitCodes.CONFIG, r.exitCode(), r.toString());
        assertTrue(r.err().contains("spark.workers = 3 needs 3 task slots at once"), r.err());
        assertTrue(r.err().contains("offers 2"), r.err());
        assertTrue(r.err().contains("lower --workers (spark.workers) to at most 2"), r.err());
        assertFalse(Files.exists(tmp.resolve("runs/three/teacher/" + BarrierStage.RECORD)), "no attempt was made");
    }

    @Test
    void moreWorkersThanBatchesOfDataIsRefused() {
        CliHarness.Result r = CliHarness.run(
                "teacher", "--conf", conf.toString(), "--workers", "2", "--run-id", "small", "--set", "data.limit=200");
        assertEquals(ExitCodes.DATA, r.exitCode(), r.toString());
        assertTrue(r.err().contains("200 rows are fewer than spark.workers × batch_size = 2 × 128"), r.err());
    }

    @Test
    void anEmptyPartitionIsRefusedBeforeTheBarrierStage() {
        DataException e = EmptyPartition.refusal(CliHarness.spark(), tmp.resolve("empty/teacher"));
        assertTrue(e.getMessage().contains("of 2 is empty (64 rows in all)"), e.getMessage());
        assertTrue(e.getMessage().contains("lower --workers (spark.workers)"), e.getMessage());
    }
}
