package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/own-data.md: every command of its example blocks, as written, from a directory that looks like
 * the repository root (links to bin/, docs/, jobs/ and cluster-conf/), each through bin/distillery in a
 * process of its own. The CSV run and the Parquet run each publish a version.
 */
class OwnDataGuideTest {
    private static final Path REPO = Path.of(System.getProperty("distillery.root", ".."))
            .toAbsolutePath()
            .normalize();

    @TempDir
    Path root;

    @Test
    void theGuidesExampleRunsAsWritten() throws Exception {
        for (String d : List.of("bin", "docs", "jobs", "cluster-conf")) {
            Files.createSymbolicLink(root.resolve(d), REPO.resolve(d));
        }
        List<List<String>> blocks = exampleBlocks(Files.readString(REPO.resolve("docs/own-data.md")));
        assertEquals(2, blocks.size(), "the CSV and the Parquet example");
        for (String command : blocks.get(0)) {
            run(command);
        }
        assertTrue(Files.isRegularFile(root.resolve("models/shapes/1/manifest.json")), "CSV run published version 1");

        SparkSession spark = SparkSession.builder()
                .master("local[1]")
                .appName("own-data-parquet")
                .getOrCreate();
        try {
            for (String part : List.of("train", "test")) {
                spark.read()
                        .option("header", true)
                        .option("inferSchema", true)
                        .csv(root.resolve("data/shapes/" + part + ".csv").toString())
                        .write()
                        .parquet(
                                root.resolve("data/shapes/" + part + ".parquet").toString());
            }
        } finally {
            if (!"true".equals(System.getProperty("distillery.keepSpark"))) {
                spark.stop();
            }
        }
        for (String command : blocks.get(1)) {
            run(command);
        }
        assertTrue(
                Files.isRegularFile(root.resolve("models/shapes/2/manifest.json")), "Parquet run published version 2");
    }

    /** The lines of each ```bash block that follows an "example:" comment. */
    static List<List<String>> exampleBlocks(String markdown) {
        List<List<String>> out = new ArrayList<>();
        String[] lines = markdown.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("<!-- example:") && i + 1 < lines.length && lines[i + 1].equals("```bash")) {
                List<String> block = new ArrayList<>();
                for (i += 2; i < lines.length && !lines[i].equals("```"); i++) {
                    if (!lines[i].isBlank()) {
                        block.add(lines[i]);
                    }
                }
                out.add(block);
            }
        }
        return out;
    }

    private void run(String command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command)
                .directory(root.toFile())
                .redirectErrorStream(true);
        pb.environment().put("DISTILLERY_JAVA_OPTS", "-Xmx2g");
        Process p = pb.start();
        var output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes());
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), command + " did not finish");
        assertEquals(0, p.exitValue(), command + "\n" + output.get());
    }
}
