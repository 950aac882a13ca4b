package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.jobs.failure.ExitCodes;
import io.distillery.jobs.report.ChartJs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every run writes a self-contained report.html; `distillery report` rebuilds it; headless Chromium
 * without network draws its charts with the inlined Chart.js.
 */
class RunReportTest {
    @TempDir
    Path tmp;

    @Test
    void everyRunWritesASelfContainedReportThatReportRebuilds() throws Exception {
        StagedRun run = StagedRun.get();
        Path report = run.runDir().resolve("report.html");
        String html = Files.readString(report);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(
                html.contains("Content-Security-Policy") && html.contains("default-src 'none'"),
                "the page may fetch nothing");
        Matcher external = Pattern.compile("(?i)<(script|link|img|iframe)[^>]+(src|href)\\s*=")
                .matcher(html);
        assertFalse(external.find(), "no external resource: " + (external.find(0) ? external.group() : ""));
        assertTrue(html.contains("Chart.js " + ChartJs.version()), "names the charting library");
        assertTrue(html.contains(ChartJs.source().substring(0, 2000)), "Chart.js inlined");
        for (String row : new String[] {"teacher", "student (scratch)", "student (distilled)", "student (pruned)"}) {
            assertTrue(html.contains("<td>" + row + "</td>"), "summary row " + row);
        }
        assertTrue(html.contains("model_int8.tflite") && html.contains("tfjs/model.json"), "exports listed");
        assertTrue(html.contains("published version <b>1</b>"), "published version shown");
        assertTrue(
                html.contains("<h2>Latency</h2>") && html.contains("<td>exported</td><td>tflite-int8</td>"),
                "latency table with the exported int8 model");

        // Rebuilding an unchanged run rewrites nothing; a deleted report comes back identical.
        FileTime written = Files.getLastModifiedTime(report);
        CliHarness.Result same = CliHarness.run("report", run.runDir().toString());
        assertEquals(0, same.exitCode(), same.toString());
        assertTrue(same.out().contains("up to date"), same.out());
        assertEquals(written, Files.getLastModifiedTime(report));
        Path copy = tmp.resolve("copy.html");
        CliHarness.Result toFile = CliHarness.run("report", run.runDir().toString(), "-o", copy.toString());
        assertEquals(0, toFile.exitCode(), toFile.toString());
        assertArrayEquals(Files.readAllBytes(report), Files.readAllBytes(copy));

        CliHarness.Result notARun = CliHarness.run("report", tmp.toString());
        assertEquals(ExitCodes.CONFIG, notARun.exitCode(), notARun.toString());
        assertTrue(notARun.err().contains("is not a run directory"), notARun.err());
    }

    @Test
    void chromiumWithoutNetworkDrawsEveryChart() throws Exception {
        StagedRun run = StagedRun.get();
        // A copy outside the run directory: the browser's profile and the page need nothing else.
        Path page = tmp.resolve("report.html");
        Files.copy(run.runDir().resolve("report.html"), page);
        String dom = Chromium.dumpDom(page, tmp.resolve("profile"));

        Matcher body =
                Pattern.compile("<body[^>]*data-charts-rendered=\"(\\d+)\"").matcher(dom);
        assertTrue(
                body.find(), "Chart.js ran and the page marked it: " + dom.substring(0, Math.min(600, dom.length())));
        assertEquals("4", body.group(1));
        Map<String, int[]> canvases = new HashMap<>();
        Matcher c = Pattern.compile(
                        "<canvas id=\"([a-z-]+)\"[^>]*data-points=\"(\\d+)\"[^>]*data-painted-pixels=\"(\\d+)\"")
                .matcher(dom);
        while (c.find()) {
            canvases.put(c.group(1), new int[] {Integer.parseInt(c.group(2)), Integer.parseInt(c.group(3))});
        }
        assertEquals(4, canvases.size(), dom);
        // Epochs: teacher 2 + student from scratch 2 + distilled 2 + pruned 3.
        assertEquals(9, canvases.get("loss-chart")[0], "one point per epoch and stage");
        assertEquals(9, canvases.get("accuracy-chart")[0]);
        // Four models (gzipped weights) and the four exports, each with its accuracy measured in its runtime
        // (TF.js in Node: the test JVM names the repository's runner, as bin/distillery does).
        assertEquals(8, canvases.get("size-chart")[0], "one point per model and artifact");
        // Latency: a bar per model (teacher, dense student, exported) and runtime (TF Java, TFLite, int8).
        assertEquals(9, canvases.get("latency-chart")[0], "one bar slot per model and runtime");
        for (Map.Entry<String, int[]> e : canvases.entrySet()) {
            assertTrue(e.getValue()[1] > 5_000, e.getKey() + " painted only " + e.getValue()[1] + " pixels");
        }
        // The log axis labels powers of ten only (every tick labelled used to overlap), and every
        // artifact has a shape of its own (a float TFLite point hid the SavedModel one).
        Matcher size = Pattern.compile(
                        "<canvas id=\"size-chart\"[^>]*data-x-labels=\"([^\"]*)\"[^>]*data-shapes=\"([^\"]*)\"")
                .matcher(dom);
        assertTrue(size.find(), dom);
        String[] labels = size.group(1).split("\\|");
        assertTrue(labels.length >= 1 && labels.length <= 6, size.group(1));
        for (String l : labels) {
            assertTrue(l.matches("1(0|00)? (B|kB|MB)"), "a power of ten: " + l);
        }
        assertEquals(8, new java.util.HashSet<>(java.util.List.of(size.group(2).split("\\|"))).size(), size.group(2));
    }

    @Test
    void aFailedRunsReportShowsTheFailure() throws Exception {
        Path conf = tmp.resolve("job.yaml");
        Files.writeString(conf, StagedRun.config(tmp));
        CliHarness.Result r = CliHarness.run("distill", "--conf", conf.toString(), "--run-id", "no-teacher");
        assertEquals(ExitCodes.TRAINING, r.exitCode(), r.toString());
        String html = Files.readString(tmp.resolve("runs/no-teacher/report.html"));
        assertTrue(html.contains("state-failed"), "failed state");
        assertTrue(html.contains("<b>distill failed</b> with exit code 5"), html.substring(0, 2000));
        assertTrue(html.contains("run `distillery teacher --run-id no-teacher` first"), "the message says what to do");
        assertTrue(html.contains("not trained yet"));
        assertTrue(
                html.contains("distillery distill --run-id no-teacher --set run_dir="), "the whole command to go on");
        // Nothing trained (the data is missing): the page says so instead of drawing empty axes.
        CliHarness.Result noData = CliHarness.run(
                "teacher",
                "--conf",
                conf.toString(),
                "--run-id",
                "no-data",
                "--set",
                "data.train=" + tmp.resolve("missing.parquet"));
        assertEquals(ExitCodes.DATA, noData.exitCode(), noData.toString());
        Path page = tmp.resolve("failed.html");
        Files.copy(tmp.resolve("runs/no-data/report.html"), page);
        String dom = Chromium.dumpDom(page, tmp.resolve("profile"));
        Matcher body =
                Pattern.compile("<body[^>]*data-charts-rendered=\"(\\d+)\"").matcher(dom);
        assertTrue(body.find(), dom.substring(0, Math.min(600, dom.length())));
        assertEquals("0", body.group(1));
        assertFalse(dom.contains("<canvas"), "no empty chart");
        assertTrue(dom.contains("no finished epoch in this run yet"), "says why");
    }
}
