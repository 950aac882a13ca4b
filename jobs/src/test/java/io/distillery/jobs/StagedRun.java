package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One small run made the way Airflow makes it, shared by the tests of this JVM: the DAG rendered for a
 * logical date, then each task's stage command run through the real CLI (local Spark) with the job
 * config of {@link #config}. Four export formats, so reports and manifests have every artifact.
 */
final class StagedRun {
    static final String LOGICAL_DATE = "2025-03-01T00:00:00+00:00";
    static final String RUN_ID = "airflow-20250301T000000";

    final Path dir;
    final Path conf;
    final List<List<String>> commands;
    final List<CliHarness.Result> results = new ArrayList<>();

    private static StagedRun instance;

    private StagedRun(Path dir) throws Exception {
        this.dir = dir;
        this.conf = dir.resolve("job.yaml");
        Files.writeString(conf, config(dir));
        JsonNode dag = AirflowDag.render(LOGICAL_DATE, Map.of("DISTILLERY_JOB_CONF", conf.toString()));
        this.commands = AirflowDag.commands(dag);
        for (List<String> c : commands) {
            CliHarness.Result r = CliHarness.run(c.toArray(new String[0]));
            assertEquals(0, r.exitCode(), String.join(" ", c) + "\n" + r);
            results.add(r);
        }
    }

    /** The run, made on first use. */
    static synchronized StagedRun get() throws Exception {
        if (instance == null) {
            TinyJob.installTfjsRunner(); // so that the export measures the TF.js file, as tests expect
            Path dir = Files.createTempDirectory("distillery-staged-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            instance = new StagedRun(dir);
        }
        return instance;
    }

    Path runDir() {
        return dir.resolve("runs").resolve(RUN_ID);
    }

    Path modelDir() {
        return dir.resolve("models/tiny");
    }

    /** A job config for seconds-long runs on a slice of Fashion-MNIST, writing under {@code dir}. */
    static String config(Path dir) {
        List<String> lines = new ArrayList<>(List.of(
                "name: tiny", "run_dir: " + dir.resolve("runs"), "data:", "  limit: 1200", "  test_limit: 400"));
        lines.addAll(TinyJob.MODELS);
        lines.addAll(List.of(
                "export:",
                "  formats: [savedmodel, tflite, tflite-int8, tfjs]",
                "  latency_calls: 20",
                "publish:",
                "  base_path: " + dir.resolve("models"),
                ""));
        return String.join("\n", lines);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
