package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.jobs.pipeline.ExportStage;
import io.distillery.jobs.pipeline.TestSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job through the real CLI, real Spark (local mode), real TensorFlow, on a slice of the
 * built-in Fashion-MNIST: versions are published, and the published SavedModel reproduces the
 * accuracy its manifest records.
 */
class PipelineEndToEndTest {
    @TempDir
    static Path tmp;

    static Path conf;

    /** Small models and a slice of the data: the whole job in seconds. */
    static String smallConfig(Path dir) {
        return TinyJob.config(dir);
    }

    @BeforeAll
    static void writeConfig() throws Exception {
        TinyJob.installTfjsRunner();
        conf = tmp.resolve("tiny.yaml");
        Files.writeString(conf, smallConfig(tmp));
    }

    @Test
    void publishesNumberedVersionsThatServeTheRecordedAccuracy() throws Exception {
        CliHarness.Result first = CliHarness.run("pipeline", "--conf", conf.toString(), "--run-id", "e2e-1");
        assertEquals(0, first.exitCode(), first.toString());
        assertTrue(first.out().contains("student (pruned)"), "summary table printed: " + first.out());
        Path v1 = tmp.resolve("models/tiny/1");
        assertTrue(Files.isRegularFile(v1.resolve("saved_model.pb")), "saved_model.pb in " + v1);
        assertTrue(Files.isDirectory(v1.resolve("variables")));
        assertTrue(Files.isRegularFile(v1.resolve("manifest.json")));
        // Every format by default, each with its own measured accuracy in the manifest.
        assertTrue(Files.isRegularFile(v1.resolve("model.tflite")));
        assertTrue(Files.isRegularFile(v1.resolve("model_int8.tflite")));
        assertTrue(Files.isRegularFile(v1.resolve("tfjs/model.json")));

        JsonNode manifest =
                new ObjectMapper().readTree(v1.resolve("manifest.json").toFile());
        assertEquals("tiny", manifest.get("model_name").asText());
        assertEquals(1, manifest.get("version").asInt());
        assertEquals("e2e-1", manifest.get("run_id").asText());
        JsonNode metrics = manifest.get("metrics");
        for (String k : List.of(
                "teacher_test_accuracy",
                "scratch_student_test_accuracy",
                "distilled_student_test_accuracy",
                "pruned_student_test_accuracy")) {
            double a = metrics.get(k).asDouble();
            assertTrue(a > 0.3 && a <= 1.0, k + " = " + a);
        }
        // The share of the teacher's lead that distillation closed, from the same three accuracies.
        double teacherAcc = metrics.get("teacher_test_accuracy").asDouble();
        double alone = metrics.get("scratch_student_test_accuracy").asDouble();
        double distilled = metrics.get("distilled_student_test_accuracy").asDouble();
        JsonNode closed = metrics.get("distillation_gap_closed");
        if (teacherAcc - alone >= 0.001) {
            assertEquals((distilled - alone) / (teacherAcc - alone), closed.asDouble(), 1e-9);
        } else {
            assertTrue(closed.isNull(), "no gap, no share: " + closed);
        }
        assertEquals(1200, manifest.at("/data/train/rows").asInt());
        double tflite = manifest.at("/metrics/formats/tflite/test_accuracy").asDouble();
        double int8 = manifest.at("/metrics/formats/tflite-int8/test_accuracy").asDouble();
        assertEquals(metrics.get("pruned_student_test_accuracy").asDouble(), tflite, 0.002, "float TFLite matches TF");
        assertEquals(tflite, int8, 0.03, "int8 close to float");
        // TF.js measured in Node (.ci/run installs it): the same float model, so the same predictions.
        assertEquals(tflite, manifest.at("/metrics/formats/tfjs/test_accuracy").asDouble(-1), 0.002, "TF.js matches");
        assertTrue(
                manifest.at("/sparsity/prunable_sparsity").asDouble() >= 0.49,
                manifest.at("/sparsity").toString());
        assertFalse(manifest.at("/versions/tensorflow").asText().isEmpty());
        assertFalse(manifest.at("/versions/spark").asText().isEmpty());
        assertTrue(manifest.get("files").size() >= 3, "every file hashed: " + manifest.get("files"));
        // Latency of every model in every runtime, measured in the same run (figures for bench/, not here).
        List<String> measured = new java.util.ArrayList<>();
        manifest.at("/latency/rows").forEach(l -> {
            assertTrue(
                    l.get("p50_ms").asDouble() > 0 && l.get("rows_per_second").asDouble() > 0, l.toString());
            measured.add(l.get("model").asText() + " " + l.get("runtime").asText());
        });
        assertEquals(
                List.of(
                        "teacher tf-java",
                        "teacher tflite",
                        "student tf-java",
                        "student tflite",
                        "exported tf-java",
                        "exported tflite",
                        "exported tflite-int8"),
                measured);
        assertFalse(manifest.at("/latency/cpu").asText().isEmpty());

        // The published SavedModel, loaded as a server would, reproduces the manifest's accuracy on all
        // 10,000 test images.
        Dataset<Row> test =
                io.distillery.jobs.data.DataLoader.read(CliHarness.spark(), "builtin:fashion-mnist", "idx", "test", 1);
        TestSet set = TestSet.collect(test, 784, 0);
        assertEquals(10_000, set.rows());
        double served = ExportStage.savedModelAccuracy(v1, set, 10);
        assertEquals(metrics.get("pruned_student_test_accuracy").asDouble(), served, 1e-9);
        // The run keeps its teacher and its distilled student as SavedModels too, for a later run to
        // bring: they serve the recorded accuracies.
        double teacher = ExportStage.savedModelAccuracy(tmp.resolve("runs/e2e-1/teacher/savedmodel"), set, 10);
        assertEquals(metrics.get("teacher_test_accuracy").asDouble(), teacher, 2e-4);
        double student = ExportStage.savedModelAccuracy(tmp.resolve("runs/e2e-1/student/savedmodel"), set, 10);
        assertEquals(metrics.get("distilled_student_test_accuracy").asDouble(), student, 2e-4);

        // A second run publishes version 2 and leaves version 1 untouched.
        byte[] v1Manifest = Files.readAllBytes(v1.resolve("manifest.json"));
        CliHarness.Result second = CliHarness.run("pipeline", "--conf", conf.toString(), "--run-id", "e2e-2");
        assertEquals(0, second.exitCode(), second.toString());
        assertTrue(Files.isRegularFile(tmp.resolve("models/tiny/2/saved_model.pb")));
        assertTrue(java.util.Arrays.equals(v1Manifest, Files.readAllBytes(v1.resolve("manifest.json"))));

        // Re-running a finished run is a no-op: every stage skipped, same version reported.
        CliHarness.Result again = CliHarness.run("pipeline", "--conf", conf.toString(), "--run-id", "e2e-1");
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.out().contains("already published by this run"), again.out());
        assertFalse(Files.exists(tmp.resolve("models/tiny/3")));

        // models list / verify see both versions complete.
        CliHarness.Result list =
                CliHarness.run("models", "list", tmp.resolve("models/tiny").toString());
        assertEquals(0, list.exitCode(), list.toString());
        assertTrue(list.out().contains("COMPLETE"), list.out());
        CliHarness.Result verify = CliHarness.run("models", "verify", v1.toString());
        assertEquals(0, verify.exitCode(), verify.toString());
    }

    @Test
    void stagesRunOneByOneFromTheRunDirectory() throws Exception {
        Path dir = tmp.resolve("stages");
        Files.createDirectories(dir);
        Path c = dir.resolve("c.yaml");
        Files.writeString(c, smallConfig(dir));
        String[] common = {"--conf", c.toString(), "--run-id", "staged"};
        CliHarness.Result early = CliHarness.run(concat("prune", common));
        assertEquals(5, early.exitCode(), early.toString());
        assertTrue(early.err().contains("run `distillery distill --run-id staged` first"), early.err());
        for (String stage : List.of("teacher", "distill", "prune", "export", "publish")) {
            CliHarness.Result r = CliHarness.run(concat(stage, common));
            assertEquals(0, r.exitCode(), stage + ": " + r);
        }
        assertTrue(Files.isRegularFile(dir.resolve("models/tiny/1/manifest.json")));
        List<String> lines = Files.readAllLines(dir.resolve("runs/staged/metrics.jsonl"));
        List<String> stages = new ArrayList<>();
        for (String l : lines) {
            Map<?, ?> m = new ObjectMapper().readValue(l, Map.class);
            stages.add((String) m.get("stage"));
        }
        assertTrue(stages.containsAll(List.of("teacher", "student-scratch", "student", "pruned")), stages.toString());
    }

    static String[] concat(String first, String[] rest) {
        String[] out = new String[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
