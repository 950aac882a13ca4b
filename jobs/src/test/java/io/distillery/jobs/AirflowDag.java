package io.distillery.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code cluster-conf/airflow/distillery_dag.py} as Airflow would see it: imported by python3 against
 * the stub {@code airflow} modules in test resources, each task's templates rendered for a logical date.
 */
final class AirflowDag {
    static final Path ROOT = Path.of(System.getProperty("distillery.root", ".."))
            .toAbsolutePath()
            .normalize();
    static final Path DAG_FILE = ROOT.resolve("cluster-conf/airflow/distillery_dag.py");

    private AirflowDag() {}

    /** The DAG rendered for {@code logicalDate} (ISO-8601 with offset) with these worker environment settings. */
    static JsonNode render(String logicalDate, Map<String, String> env) throws IOException, InterruptedException {
        Path script = stubs().resolve("render_dag.py");
        ProcessBuilder pb = new ProcessBuilder("python3", script.toString(), DAG_FILE.toString(), logicalDate);
        pb.environment().keySet().removeIf(k -> k.startsWith("DISTILLERY_"));
        pb.environment().putAll(env);
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Path err = Files.createTempFile("render-dag", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("python3 render_dag.py did not finish");
        }
        String errText = Files.readString(err);
        Files.delete(err);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("the DAG does not import (exit " + p.exitValue() + "):\n" + errText);
        }
        return new ObjectMapper().readTree(new String(out, StandardCharsets.UTF_8));
    }

    /** What Airflow sees when task {@code taskId}'s spark-submit exits {@code code}: "Type: message". */
    static String failTask(String taskId, int code) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(
                        "python3",
                        stubs().resolve("task_failure.py").toString(),
                        DAG_FILE.toString(),
                        taskId,
                        String.valueOf(code))
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("DISTILLERY_"));
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("task_failure.py failed:\n" + out);
        }
        return out;
    }

    /** The stage commands (application_args) of every task, in task order. */
    static List<List<String>> commands(JsonNode dag) {
        List<List<String>> out = new ArrayList<>();
        for (JsonNode t : dag.get("tasks")) {
            List<String> args = new ArrayList<>();
            t.get("application_args").forEach(a -> args.add(a.asText()));
            out.add(args);
        }
        return out;
    }

    static Path stubs() {
        return ROOT.resolve("jobs/src/test/resources/airflow-stubs");
    }
}
