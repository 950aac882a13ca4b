package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.jobs.report.Reports;
import io.distillery.jobs.search.SearchJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run with {@code search/summary.json} gets a "Search" section in its report: the search and its
 * choice in one paragraph, accuracy against latency and against size of every trial, and a table of
 * the trials by size; headless Chromium without network draws both charts.
 */
class SearchReportTest {
    @TempDir
    Path tmp;

    private static final String DENSE_FLOAT = "w0.25-T1.50-a0.50-dense-float-e2";
    private static final String DENSE_INT8 = "w0.25-T1.50-a0.50-dense-int8-e2";
    private static final String STRUCTURED_INT8 = "w0.25-T1.50-a0.50-structured0.50-int8-e2";
    private static final String WIDE_2_4 = "w1.00-T2.00-a0.70-nm2_4-float-e3";

    /** A summary as {@code distillery search} writes it: four trials, one failed. */
    static String summary(boolean latency, boolean met) {
        String frontLatency = latency
                ? "\"front_latency\" : [ \"" + STRUCTURED_INT8 + "\", \"" + DENSE_FLOAT + "\", \"" + WIDE_2_4
                        + "\" ],\n"
                : "";
        return """
            {
              "sampler" : "grid",
              "objective" : "size",
              "reference_validation_accuracy" : 0.7038917089678511,
              "budgets" : { "max_latency_ms" : %s, "max_bytes" : 0, "max_accuracy_drop" : 1.0 },
              "chosen" : "%s",
              "met" : %s,
              "checks" : {
                "accuracy" : { "value" : 0.6971235194585449, "margin" : 0.003231810490693765, "held" : true,
                               "limit" : 0.6938917089678511 }%s
              },
              "front_size" : [ "%s", "%s", "%s" ],
              %s"trial_epochs" : 9,
              "seconds" : 40.1,
              "failed" : { "w2.00-T1.50-a0.50-dense-float-e2" : "OutOfMemoryError: <heap> & more" },
              "trials" : [ %s, %s, %s, %s ]
            }
            """.formatted(
                met ? "0.0" : "0.05",
                DENSE_INT8,
                met,
                met
                        ? ""
                        : ", \"latency\" : { \"value\" : 0.072819, \"margin\" : -0.022819, \"held\" : false,"
                                + " \"limit\" : 0.05 }",
                STRUCTURED_INT8,
                DENSE_INT8,
                WIDE_2_4,
                frontLatency,
                trial(DENSE_FLOAT, 0.25, null, 0.0, false, 2, 25450, 0.6971, 0.657, 103472, latency ? 0.007344 : -1),
                trial(DENSE_INT8, 0.25, null, 0.0, true, 2, 25450, 0.6971, 0.662, 27704, latency ? 0.072819 : -1),
                trial(
                        STRUCTURED_INT8,
                        0.25,
                        "STRUCTURED",
                        0.5,
                        true,
                        2,
                        12730,
                        0.6701,
                        0.649,
                        14936,
                        latency ? 0.038825 : -1),
                trial(WIDE_2_4, 1.0, "NM_2_4", 0.5, false, 3, 101770, 0.7614, 0.727, 408752, latency ? 0.01023 : -1));
    }

    private static String trial(
            String id,
            double width,
            String prune,
            double sparsity,
            boolean int8,
            int epochs,
            long parameters,
            double validation,
            double test,
            long bytes,
            double p50) {
        return """
            {
              "id" : "%s",
              "trial" : { "width" : %s, "temperature" : 1.5, "alpha" : 0.5, "prune" : %s, "sparsity" : %s,
                          "int8" : %s, "epochs" : %d },
              "layers" : [ "flatten", "dense(32,relu)", "dense(10)" ],
              "parameters" : %d,
              "validation_accuracy" : %s,
              "test_accuracy" : %s,
              "bytes" : %d,
              "gzip_bytes" : %d,
              "runtime" : "%s",
              "latency_p50_ms" : %s,
              "train_epochs" : %d,
              "seconds" : 1.9,
              "executor" : "executor driver on vm"
            }""".formatted(
                        id,
                        width,
                        prune == null ? "null" : "\"" + prune + "\"",
                        sparsity,
                        int8,
                        epochs,
                        parameters,
                        validation,
                        test,
                        bytes,
                        bytes * 9 / 10,
                        int8 ? "tflite-int8" : "tflite",
                        p50,
                        epochs);
    }

    /** A run directory holding only a config and, if given, a search summary; its report rebuilt. */
    private Path run(String name, String summary) throws Exception {
        Path dir = tmp.resolve("runs").resolve(name);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.yaml"), "name: search-report\n");
        if (summary != null) {
            Files.createDirectories(dir.resolve(SearchJob.SUMMARY).getParent());
            Files.writeString(dir.resolve(SearchJob.SUMMARY), summary);
        }
        assertTrue(Reports.refresh(new RunDirectory(dir.toUri().toString(), Map.of())));
        return dir.resolve(Reports.FILE);
    }

    @Test
    void aSearchRunsReportHasTheSearchTheChoiceAndEveryTrial() throws Exception {
        String html = Files.readString(run("searched", summary(true, true)));
        assertTrue(html.contains("<h2>Search</h2>"), "the section");
        assertTrue(
                html.contains("Sampler <b>grid</b>, objective <b>size</b>: <b>4</b> trial(s) finished, 1 failed, 9"
                        + " trial-epochs"),
                "sampler, objective, trials finished and failed, trial-epochs");
        assertTrue(html.contains("teacher validation accuracy <b>0.7039</b>"), "the reference");
        assertTrue(
                html.contains(
                        "at most 1.00 points below the reference (&ge; 0.6939), no latency budget, no size budget"),
                "the budgets");
        assertTrue(
                html.contains("Chosen: <code>" + DENSE_INT8 + "</code>, <span class=\"held\">every budget held</span>"),
                "the choice");
        assertTrue(html.contains("accuracy 0.6971 &ge; 0.6939 (held, margin +0.0032)"), "the margin");
        assertTrue(html.contains("OutOfMemoryError: &lt;heap&gt; &amp; more"), "a failure, escaped");
        assertFalse(html.contains("<heap>"), "nothing unescaped");

        assertTrue(html.contains("<canvas id=\"search-latency-chart\""), "accuracy against latency");
        assertTrue(html.contains("<canvas id=\"search-size-chart\""), "accuracy against size");

        // Every trial a row, by bytes ascending; the chosen one marked, the front ones marked.
        List<String> bySize = List.of(STRUCTURED_INT8, DENSE_INT8, DENSE_FLOAT, WIDE_2_4);
        int last = -1;
        for (String id : bySize) {
            int at = html.indexOf("<td><code>" + id + "</code></td>", html.indexOf("<table class=\"search-trials\">"));
            assertTrue(at > last, id + " after the smaller trials");
            last = at;
        }
        assertTrue(html.contains("<tr class=\"chosen\"><td><code>" + DENSE_INT8 + "</code></td>"), "chosen row");
        assertTrue(
                row(html, DENSE_INT8)
                        .matches(
                                ".*<td class=\"n\">0\\.25</td><td class=\"n\">1\\.50</td><td class=\"n\">0\\.50</td>"
                                        + "<td>dense</td><td>yes</td><td class=\"n\">2</td><td class=\"n\">0\\.6971</td>"
                                        + "<td class=\"n\">0\\.6620</td><td class=\"n\">27,704</td><td class=\"n\">0\\.0728</td>"
                                        + "<td class=\"n\">25,450</td><td class=\"mark\"><b>chosen</b>, front \\(size\\)</td>.*"),
                row(html, DENSE_INT8));
        assertTrue(row(html, STRUCTURED_INT8).contains("<td>structured 50%</td>"), row(html, STRUCTURED_INT8));
        assertTrue(row(html, STRUCTURED_INT8).contains("front (size, latency)"), row(html, STRUCTURED_INT8));
        assertTrue(row(html, WIDE_2_4).contains("<td>2:4</td>"), row(html, WIDE_2_4));
        assertTrue(row(html, DENSE_FLOAT).contains("<td class=\"mark\">front (latency)</td>"), row(html, DENSE_FLOAT));
    }

    @Test
    void withoutLatencyThereIsNoLatencyChartAndAMissedBudgetSaysSo() throws Exception {
        String html = Files.readString(run("no-latency", summary(false, false)));
        assertTrue(html.contains("<canvas id=\"search-size-chart\""));
        assertFalse(html.contains("<canvas id=\"search-latency-chart\""), "latency was not measured");
        assertTrue(html.contains("<span class=\"missed\">best effort: a budget missed</span>"));
        assertTrue(html.contains("p50 latency &le; 0.0500 ms"), "the latency budget");
        assertTrue(html.contains("p50 0.0728 ms &gt; 0.0500 ms (missed, margin -0.0228 ms)"), "what it missed by");
        assertTrue(row(html, DENSE_INT8).contains("<td class=\"n\">&ndash;</td>"), "no p50: a dash");
    }

    @Test
    void aRunWithoutSearchHasNoSearchSection() throws Exception {
        String html = Files.readString(run("plain", null));
        assertFalse(html.contains("<h2>Search</h2>"));
        assertFalse(html.contains("<canvas id=\"search-size-chart\""));
        assertFalse(html.contains("function searchCharts"), "no search script");
        assertFalse(html.contains("\"search\":"), "no search in the chart data");
    }

    @Test
    void chromiumWithoutNetworkDrawsBothSearchCharts() throws Exception {
        Path page = tmp.resolve("report.html");
        Files.copy(run("drawn", summary(true, true)), page);
        String dom = Chromium.dumpDom(page, tmp.resolve("profile"));
        Matcher body =
                Pattern.compile("<body[^>]*data-charts-rendered=\"(\\d+)\"").matcher(dom);
        assertTrue(
                body.find(), "Chart.js ran and the page marked it: " + dom.substring(0, Math.min(600, dom.length())));
        // Nothing trained in this run: the training and size charts say so; the two search charts draw.
        assertEquals("2", body.group(1));
        Map<String, int[]> canvases = new HashMap<>();
        Matcher c = Pattern.compile(
                        "<canvas id=\"([a-z-]+)\"[^>]*data-points=\"(\\d+)\"[^>]*data-x-labels=\"([^\"]*)\"[^>]*"
                                + "data-painted-pixels=\"(\\d+)\"")
                .matcher(dom);
        Map<String, String> labels = new HashMap<>();
        while (c.find()) {
            canvases.put(c.group(1), new int[] {Integer.parseInt(c.group(2)), Integer.parseInt(c.group(4))});
            labels.put(c.group(1), c.group(3));
        }
        assertEquals(Map.of("search-latency-chart", 0, "search-size-chart", 0).keySet(), canvases.keySet(), dom);
        // The chosen star, the front (three trials each) and the four trials.
        assertEquals(1 + 3 + 4, canvases.get("search-size-chart")[0]);
        assertEquals(1 + 3 + 4, canvases.get("search-latency-chart")[0]);
        for (Map.Entry<String, int[]> e : canvases.entrySet()) {
            assertTrue(e.getValue()[1] > 5_000, e.getKey() + " painted only " + e.getValue()[1] + " pixels");
            assertFalse(labels.get(e.getKey()).isEmpty(), e.getKey() + " has labels on its x axis");
        }
        for (String l : labels.get("search-size-chart").split("\\|")) {
            assertTrue(l.matches("[125]0{0,2} (B|kB|MB)"), "1, 2 or 5 times a power of ten: " + l);
        }
    }

    /** The table row of one trial. */
    private static String row(String html, String id) {
        int table = html.indexOf("<table class=\"search-trials\">");
        int start = html.lastIndexOf("<tr", html.indexOf("<td><code>" + id + "</code></td>", table));
        return html.substring(start, html.indexOf("</tr>", start));
    }
}
