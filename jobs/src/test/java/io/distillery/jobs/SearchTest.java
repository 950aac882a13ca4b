package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.jobs.failure.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * `distillery search` on a slice of Fashion-MNIST in Spark local mode: 4 trials (dense and structured-pruned,
 * float and int8), the choice within budgets published, a rerun that trains nothing,
 * a budget no trial meets (exit 6, nothing published), and successive halving reusing the grid's trials.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SearchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    static Path conf;
    static CliHarness.Result first;

    @BeforeAll
    static void runFirstSearch() throws Exception {
        conf = tmp.resolve("job.yaml");
        Files.writeString(
                conf,
                TinyJob.config(tmp).replace("data:\n", "data:\n  validation_fraction: 0.2\n")
                        + String.join(
                                "\n",
                                "search:",
                                "  widths: [1.0]",
                                "  temperatures: [1.5]",
                                "  prunes: [none, 'structured:0.5']",
                                "  int8: [false, true]",
                                "  epochs: 2",
                                "  prune_epochs: 1",
                                "  latency_calls: 10",
                                "  max_accuracy_drop: 100",
                                ""));
        first = search();
    }

    static CliHarness.Result search(String... more) {
        List<String> args = new ArrayList<>(List.of("search", "--conf", conf.toString(), "--run-id", "s"));
        args.addAll(List.of(more));
        return CliHarness.run(args.toArray(String[]::new));
    }

    static Path run() {
        return tmp.resolve("runs/s");
    }

    static Map<String, JsonNode> trials() throws Exception {
        Map<String, JsonNode> out = new HashMap<>();
        try (Stream<Path> dirs = Files.list(run().resolve("search/trials"))) {
            for (Path d : dirs.toList()) {
                if (Files.exists(d.resolve("result.json"))) {
                    out.put(
                            d.getFileName().toString(),
                            JSON.readTree(d.resolve("result.json").toFile()));
                }
            }
        }
        return out;
    }

    static long attempts(String trial) throws Exception {
        try (Stream<Path> s =
                Files.list(run().resolve("search/trials").resolve(trial).resolve("attempts"))) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).count(); // not Hadoop's .crc files
        }
    }

    @Test
    @Order(1)
    void runsEveryTrialOnceAndPublishesTheSmallestWithinBudget() throws Exception {
        assertEquals(0, first.exitCode(), first.toString());
        Map<String, JsonNode> trials = trials();
        assertEquals(4, trials.size(), trials.keySet().toString());
        for (String id : trials.keySet()) {
            assertEquals(1, attempts(id), id);
            JsonNode t = trials.get(id);
            assertEquals(id, t.get("id").asText());
            double validation = t.get("validation_accuracy").asDouble();
            assertTrue(validation > 0.15 && validation <= 1, id + " " + validation); // 10 classes: chance is 0.1
        }
        // Structured pruning really shrank the exported model: half the hidden units of the same width.
        JsonNode dense = trials.get("w1.00-T1.50-a0.50-dense-float-e2");
        JsonNode shrunk = trials.get("w1.00-T1.50-a0.50-structured0.50-float-e2");
        assertEquals(
                "[\"flatten\",\"dense(16,relu)\",\"dense(10)\"]",
                dense.get("layers").toString());
        assertEquals(
                "[\"flatten\",\"dense(8,relu)\",\"dense(10)\"]",
                shrunk.get("layers").toString());
        assertTrue(shrunk.get("bytes").asLong() < dense.get("bytes").asLong());

        JsonNode summary = JSON.readTree(run().resolve("search/summary.json").toFile());
        String chosen = summary.get("chosen").asText();
        assertTrue(summary.get("met").asBoolean());
        long smallest = trials.values().stream()
                .mapToLong(t -> t.get("bytes").asLong())
                .min()
                .orElseThrow();
        assertEquals(smallest, trials.get(chosen).get("bytes").asLong(), "every trial meets a 100-point budget");
        List<String> front = new ArrayList<>();
        summary.get("front_size").forEach(n -> front.add(n.asText()));
        assertTrue(front.contains(chosen), front + " " + chosen);

        // The published version is the chosen trial's model: the same artifact scores the same test accuracy.
        Path v1 = tmp.resolve("models/tiny/1");
        JsonNode manifest = JSON.readTree(v1.resolve("manifest.json").toFile());
        JsonNode search = manifest.get("search");
        assertEquals(chosen, search.get("chosen").asText());
        assertTrue(search.get("checks").get("accuracy").get("held").asBoolean());
        String format = trials.get(chosen).get("trial").get("int8").asBoolean() ? "tflite-int8" : "tflite";
        assertEquals(
                trials.get(chosen).get("test_accuracy").asDouble(),
                manifest.get("metrics")
                        .get("formats")
                        .get(format)
                        .get("test_accuracy")
                        .asDouble(),
                1e-9);
        assertEquals(
                trials.get(chosen).get("bytes").asLong(),
                Files.size(v1.resolve(format.equals("tflite") ? "model.tflite" : "model_int8.tflite")));
    }

    @Test
    @Order(2)
    void aRerunTrainsNothingAndPublishesNothingNew() throws Exception {
        CliHarness.Result again = search();
        assertEquals(0, again.exitCode(), again.toString());
        assertEquals(4, again.out().split("finished earlier, kept", -1).length - 1, again.out());
        for (String id : trials().keySet()) {
            assertEquals(1, attempts(id), id);
        }
        assertTrue(again.out().contains("already published by this search"), again.out());
        assertFalse(Files.exists(tmp.resolve("models/tiny/2")));
    }

    @Test
    @Order(3)
    void aBudgetNoTrialMeetsExitsSixAndPublishesNothing() throws Exception {
        CliHarness.Result r = search("--set", "search.max_bytes=100");
        assertEquals(ExitCodes.VERIFY, r.exitCode(), r.toString());
        assertTrue(r.err().contains("no trial met every budget") && r.err().contains("size ("), r.err());
        assertFalse(Files.exists(tmp.resolve("models/tiny/2")));
        JsonNode summary = JSON.readTree(run().resolve("search/summary.json").toFile());
        assertFalse(summary.get("met").asBoolean());
        assertFalse(summary.get("checks").get("size").get("held").asBoolean());
    }

    @Test
    @Order(4)
    void successiveHalvingReusesTheShortTrialsAndPromotesTheBest() throws Exception {
        CliHarness.Result r = search(
                "--no-publish",
                "--set",
                "search.sampler=halving",
                "--set",
                "search.epochs=4",
                "--set",
                "search.halving_eta=2",
                "--set",
                "search.halving_rungs=2");
        assertEquals(0, r.exitCode(), r.toString());
        // Rung 1 at 2 epochs is the grid above (kept); rung 2 trains the best half for 4 epochs.
        assertEquals(4, r.out().split("finished earlier, kept", -1).length - 1, r.out());
        long fourEpochs =
                trials().keySet().stream().filter(id -> id.endsWith("-e4")).count();
        assertEquals(2, fourEpochs);
        JsonNode summary = JSON.readTree(run().resolve("search/summary.json").toFile());
        assertEquals("halving", summary.get("sampler").asText());
        assertEquals(6, summary.get("trials").size());
    }

    @Test
    @Order(5)
    void withoutValidationRowsTheSearchNamesTheSetting() {
        CliHarness.Result r = CliHarness.run(
                "search", "--conf", conf.toString(), "--run-id", "noval", "--set", "data.validation_fraction=0");
        assertEquals(ExitCodes.CONFIG, r.exitCode(), r.toString());
        assertTrue(r.err().contains("data.validation_fraction"), r.err());
        assertFalse(Files.exists(tmp.resolve("runs/noval/teacher/weights.bin")));
    }
}
