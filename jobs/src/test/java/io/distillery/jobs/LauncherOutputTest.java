package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.jobs.failure.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees on the terminal when {@code bin/distillery} fails: a few lines of Distillery's own,
 * the last naming the full log, which holds Spark's stack traces and is kept in the run directory.
 */
class LauncherOutputTest {
    private static final Path REPO = Path.of(System.getProperty("distillery.root", ".."))
            .toAbsolutePath()
            .normalize();

    @TempDir
    Path tmp;

    @Test
    void aBadLabelPrintsAtMostFiveLinesAndNamesTheLog() throws Exception {
        Path csv = tmp.resolve("bad.csv");
        StringBuilder sb = new StringBuilder("f0,f1,f2,f3,label\n");
        for (int i = 0; i < 300; i++) {
            sb.append("0.1,0.2,0.3,0.4,").append(i == 7 ? 12 : i % 3).append('\n');
        }
        Files.writeString(csv, sb);
        Run r = distillery("--set", "data.train=" + csv, "--set", "data.test=" + csv);
        assertEquals(ExitCodes.DATA, r.code, r.toString());
        assertTerse(r, "row 7: expected label in [0, 3), found 12");
    }

    @Test
    void aMissingPathPrintsAtMostFiveLinesAndNamesTheLog() throws Exception {
        Path missing = tmp.resolve("nope.csv");
        Run r = distillery("--set", "data.train=" + missing, "--set", "data.test=" + missing);
        assertEquals(ExitCodes.DATA, r.code, r.toString());
        assertTerse(r, "nope.csv");
    }

    private void assertTerse(Run r, String fragment) throws Exception {
        List<String> lines = r.terminal().lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.size() <= 5, "at most 5 lines on the terminal:\n" + r);
        assertTrue(r.terminal().contains(fragment), r.toString());
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("distillery: full log: file:"), r.toString());
        Path log = Path.of(java.net.URI.create(last.substring("distillery: full log: ".length())));
        assertTrue(log.startsWith(tmp.resolve("runs/fault/logs")), "the log is in the run directory: " + log);
        String text = Files.readString(log);
        assertTrue(text.contains("ERROR") || text.contains("Exception"), "Spark's own lines are in the log:\n" + text);
    }

    private Run distillery(String... sets) throws Exception {
        Path conf = tmp.resolve("job.yaml");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "name: tiny",
                        "run_dir: " + tmp.resolve("runs"),
                        "data:",
                        "  format: csv",
                        "  input_shape: [4]",
                        "  num_classes: 3",
                        "teacher:",
                        "  layers: ['dense(8,relu)', 'dense(3)']",
                        "student:",
                        "  layers: ['dense(4,relu)', 'dense(3)']",
                        "publish:",
                        "  base_path: " + tmp.resolve("models"),
                        ""));
        List<String> cmd = new java.util.ArrayList<>(List.of(
                REPO.resolve("bin/distillery").toString(), "pipeline", "--conf", conf.toString(), "--run-id", "fault"));
        cmd.addAll(List.of(sets));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("DISTILLERY_LOG_DIR", tmp.resolve("tmp-logs").toString());
        pb.environment().put("DISTILLERY_JAVA_OPTS", "-Xmx1g");
        Process p = pb.start();
        // Drain both streams while it runs.
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bin/distillery did not finish");
        return new Run(p.exitValue(), out.get(), err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes());
        } catch (java.io.IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private record Run(int code, String out, String err) {
        String terminal() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
