package io.distillery.jobs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The small models every end-to-end test trains: a whole job in seconds on a slice of the data. */
public final class TinyJob {
    /** teacher, student and prune sections of a job config, as YAML lines. */
    public static final List<String> MODELS = List.of(
            "teacher:",
            "  layers: [flatten, 'dense(64,relu)', 'dense(10)']",
            "  epochs: 2",
            "student:",
            "  layers: [flatten, 'dense(16,relu)', 'dense(10)']",
            "  epochs: 2",
            "prune:",
            "  epochs: 3",
            "  frequency: 5",
            "  final_sparsity: 0.5",
            // Two-epoch students lose a few points to pruning at random: the quality gate
            // (prune.max_accuracy_drop) has fault cases of its own.
            "  max_accuracy_drop: 100");

    private TinyJob() {}

    /**
     * Installs {@code @tensorflow/tfjs} in the Node project that the test JVM names as the TF.js runner
     * (jobs/pom.xml), if the export module's tests have not yet: a pipeline then measures its TF.js file.
     */
    public static void installTfjsRunner() throws java.io.IOException {
        new io.distillery.export.tfjs.TfjsRunner(
                        Path.of(System.getProperty(io.distillery.export.tfjs.TfjsRunner.PROJECT_PROPERTY)))
                .install();
    }

    /** A whole job config writing runs and models under {@code dir}, evaluated on all test images. */
    public static String config(Path dir) {
        List<String> lines = new ArrayList<>(
                List.of("name: tiny", "run_dir: " + dir.resolve("runs"), "data:", "  limit: 1200", "  test_limit: 0"));
        lines.addAll(MODELS);
        // A few timed calls: the latency path runs in every test pipeline, its figures belong to bench/.
        lines.addAll(List.of("export:", "  latency_calls: 20"));
        lines.addAll(List.of("publish:", "  base_path: " + dir.resolve("models"), ""));
        return String.join("\n", lines);
    }
}
