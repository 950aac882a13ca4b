package io.distillery.jobs.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.distill.DistillationGain;
import io.distillery.jobs.pipeline.RunPaths;
import io.distillery.jobs.report.RunRecord.Epoch;
import io.distillery.jobs.report.RunRecord.ExportRecord;
import io.distillery.jobs.report.RunRecord.StageRecord;
import io.distillery.stage.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link RunRecord} as one self-contained HTML page: the summary table, loss and accuracy
 * curves of every training stage, test accuracy against size for every model and exported artifact,
 * the exports, the published version, a failure if there is one, the search's trials and choice
 * ({@link SearchSection}) if the run has one, and the run's config.
 *
 * <p>The page is a pure function of the run directory (no clock, no host name), so rewriting it for an
 * unchanged run yields the same bytes. Charts are drawn by Chart.js inlined from the classpath; a
 * Content-Security-Policy forbids every network fetch. When the charts have drawn, the page marks
 * {@code <body data-charts-rendered="N">} and each canvas with {@code data-points} (elements laid out)
 * and {@code data-painted-pixels} (non-transparent pixels), which headless-browser tests read.
 */
public final class ReportWriter {
    private static final ObjectMapper JSON = Json.MAPPER;

    private ReportWriter() {}

    public static String html(RunRecord run) {
        StringBuilder h = new StringBuilder(ChartJs.source().length() + 32_000);
        String title =
                "Distillery run " + run.runId() + (run.modelName().isEmpty() ? "" : " (" + run.modelName() + ")");
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
                .append("script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n")
                .append("<meta name=\"generator\" content=\"distillery report; Chart.js ")
                .append(esc(ChartJs.version()))
                .append("\">\n")
                .append("<title>")
                .append(esc(title))
                .append("</title>\n")
                .append("<style>\n")
                .append(CSS)
                .append("</style>\n</head>\n<body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        h.append("<p class=\"meta\">state <span class=\"state state-")
                .append(run.state())
                .append("\">")
                .append(esc(run.state()))
                .append("</span>");
        if (run.published() != null) {
            h.append(" &middot; published version <b>")
                    .append(run.published().version())
                    .append("</b> at <code>")
                    .append(esc(run.published().uri()))
                    .append("</code>");
        } else if (run.nextCommand() != null && run.failure() == null) {
            h.append(" &middot; next: <code>")
                    .append(esc(RunPaths.resumeCommand(run.nextCommand(), run.uri(), run.runId())))
                    .append("</code>");
        }
        h.append("<br>run directory <code>").append(esc(run.uri())).append("</code></p>\n");
        if (run.failure() != null) {
            FailureRecord f = run.failure();
            h.append("<div class=\"failure\"><b>")
                    .append(esc(f.command()))
                    .append(" failed</b> with exit code ")
                    .append(f.exitCode())
                    .append(" at ")
                    .append(esc(f.time()))
                    .append(":<pre>")
                    .append(esc(f.message()))
                    .append("</pre>Fix the cause and run <code>")
                    .append(esc(RunPaths.resumeCommand(f.command(), run.uri(), run.runId())))
                    .append(
                            "</code> again: it goes on with the run's own config, and finished stages are kept.</div>\n");
        }
        summaryTable(h, run);
        h.append("<h2>Training</h2>\n<div class=\"charts\">\n")
                .append("<canvas id=\"loss-chart\" width=\"560\" height=\"320\"></canvas>\n")
                .append("<canvas id=\"accuracy-chart\" width=\"560\" height=\"320\"></canvas>\n</div>\n");
        h.append("<h2>Accuracy and size</h2>\n<div class=\"charts\">\n")
                .append("<canvas id=\"size-chart\" width=\"760\" height=\"360\"></canvas>\n</div>\n");
        exportsTable(h, run);
        latencySection(h, run);
        if (run.search() != null) {
            SearchSection.html(h, run.search());
        }
        dataSection(h, run);
        if (!run.configYaml().isBlank()) {
            h.append("<details><summary>Config of this run</summary><pre>")
                    .append(esc(run.configYaml()))
                    .append("</pre></details>\n");
        }
        h.append("<script type=\"application/json\" id=\"run-data\">")
                .append(chartData(run))
                .append("</script>\n");
        h.append("<script>\n").append(ChartJs.source()).append("\n</script>\n");
        if (run.search() != null) {
            h.append("<script>\n").append(SearchSection.SCRIPT).append("</script>\n");
        }
        h.append("<script>\n").append(SCRIPT).append("</script>\n");
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void summaryTable(StringBuilder h, RunRecord run) {
        h.append("<h2>Summary</h2>\n<table>\n<tr><th>model</th><th>test accuracy</th><th>parameters</th>")
                .append("<th>non-zero</th><th>gzip bytes</th><th>training time</th></tr>\n");
        for (StageRecord s : run.stages()) {
            h.append("<tr><td>").append(esc(s.label())).append("</td>");
            if (!s.done()) {
                h.append("<td colspan=\"5\" class=\"pending\">not trained yet</td></tr>\n");
                continue;
            }
            h.append(num(s.testAccuracy(), "%.4f"))
                    .append(count(s.parameters()))
                    .append(count(s.nonZeros()))
                    .append(count(s.gzipBytes()))
                    .append(num(s.seconds(), "%.0f s"))
                    .append("</tr>\n");
        }
        h.append("</table>\n");
        StageRecord scratch = run.stage(io.distillery.jobs.pipeline.Stages.SCRATCH);
        StageRecord student = run.stage(io.distillery.jobs.pipeline.Stages.STUDENT);
        StageRecord teacher = run.stage(io.distillery.jobs.pipeline.Stages.TEACHER);
        if (scratch.testAccuracy() != null && student.testAccuracy() != null) {
            h.append(String.format(
                    Locale.ROOT,
                    "<p>Distillation changed the student's test accuracy by <b>%+.2f points</b> over the same student trained alone",
                    100 * (student.testAccuracy() - scratch.testAccuracy())));
            if (teacher.testAccuracy() != null) {
                new DistillationGain(teacher.testAccuracy(), scratch.testAccuracy(), student.testAccuracy())
                        .gapClosed()
                        .ifPresent(closed -> h.append(String.format(
                                Locale.ROOT, ": <b>%.0f %%</b> of the gap between it and the teacher", 100 * closed)));
            }
            h.append(".</p>\n");
        }
    }

    private static void exportsTable(StringBuilder h, RunRecord run) {
        if (run.exports().isEmpty()) {
            return;
        }
        h.append("<h2>Exported artifacts</h2>\n<table>\n<tr><th>format</th><th>file</th><th>bytes</th>")
                .append("<th>test accuracy (in its own runtime)</th></tr>\n");
        for (ExportRecord e : run.exports().values()) {
            h.append("<tr><td>")
                    .append(esc(e.format()))
                    .append("</td><td><code>")
                    .append(esc(e.file()))
                    .append("</code></td>")
                    .append(count(e.bytes()))
                    .append(num(e.testAccuracy(), "%.4f"))
                    .append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static void latencySection(StringBuilder h, RunRecord run) {
        if (run.latency() == null) {
            return;
        }
        var latency = run.latency();
        h.append("<h2>Latency</h2>\n<p>Measured interleaved in one run on ")
                .append(esc(latency.cpu()))
                .append(", ")
                .append(latency.threads())
                .append(" thread(s) per runtime: ratios are what to trust on a shared machine.</p>\n")
                .append("<table>\n<tr><th>model</th><th>runtime</th><th>p50 ms (batch 1)</th>")
                .append("<th>p99 ms (batch 1)</th><th>rows/s (batch 32)</th></tr>\n");
        for (var l : latency.rows()) {
            h.append("<tr><td>")
                    .append(esc(l.model()))
                    .append("</td><td>")
                    .append(esc(l.runtime()))
                    .append("</td>")
                    .append(num(l.p50Ms(), "%.3f"))
                    .append(num(l.p99Ms(), "%.3f"))
                    .append(num(l.rowsPerSecond(), "%,.0f"))
                    .append("</tr>\n");
        }
        h.append("</table>\n<div class=\"charts\">\n")
                .append("<canvas id=\"latency-chart\" width=\"760\" height=\"320\"></canvas>\n</div>\n");
    }

    private static void dataSection(StringBuilder h, RunRecord run) {
        if (run.data().isEmpty()) {
            return;
        }
        h.append("<h2>Data</h2>\n<table>\n<tr><th>set</th><th>rows</th><th>hash</th></tr>\n");
        for (String set : List.of("train", "test")) {
            if (run.data().get(set) instanceof Map<?, ?> d) {
                h.append("<tr><td>")
                        .append(set)
                        .append("</td>")
                        .append(count(d.get("rows") instanceof Number n ? n.longValue() : null))
                        .append("<td><code>")
                        .append(esc(String.valueOf(d.get("hash"))))
                        .append("</code></td></tr>\n");
            }
        }
        h.append("</table>\n");
    }

    /** What the charts draw, as JSON safe to embed in a script element. */
    static String chartData(RunRecord run) {
        List<Map<String, Object>> stages = new ArrayList<>();
        for (StageRecord s : run.stages()) {
            if (s.epochs().isEmpty()) {
                continue;
            }
            List<Map<String, Object>> epochs = new ArrayList<>();
            for (Epoch e : s.epochs()) {
                epochs.add(ordered("epoch", e.epoch(), "loss", finite(e.loss()), "accuracy", finite(e.accuracy())));
            }
            stages.add(ordered("label", s.label(), "epochs", epochs));
        }
        List<Map<String, Object>> artifacts = new ArrayList<>();
        for (StageRecord s : run.stages()) {
            if (s.done() && s.gzipBytes() != null && s.testAccuracy() != null) {
                artifacts.add(ordered(
                        "label",
                        s.label() + ", weights gzipped",
                        "bytes",
                        s.gzipBytes(),
                        "accuracy",
                        s.testAccuracy()));
            }
        }
        for (ExportRecord e : run.exports().values()) {
            if (e.testAccuracy() != null && e.bytes() > 0) {
                artifacts.add(ordered(
                        "label", e.format() + " (" + e.file() + ")", "bytes", e.bytes(), "accuracy", e.testAccuracy()));
            }
        }
        try {
            List<Map<String, Object>> latency = new ArrayList<>();
            if (run.latency() != null) {
                run.latency()
                        .rows()
                        .forEach(l ->
                                latency.add(ordered("model", l.model(), "runtime", l.runtime(), "p50", l.p50Ms())));
            }
            Map<String, Object> data = ordered("stages", stages, "artifacts", artifacts, "latency", latency);
            if (run.search() != null) {
                data.put("search", SearchSection.chartData(run.search()));
            }
            return JSON.writeValueAsString(data)
                    .replace("<", "\\u003c")
                    .replace(">", "\\u003e")
                    .replace("&", "\\u0026");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A map in the order given (Map.of's order varies between JVMs; the page must not). */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    static String num(Double v, String format) {
        return "<td class=\"n\">" + (v == null ? "&ndash;" : String.format(Locale.ROOT, format, v)) + "</td>";
    }

    static String count(Long v) {
        return "<td class=\"n\">" + (v == null ? "&ndash;" : String.format(Locale.ROOT, "%,d", v)) + "</td>";
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS = """
      body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
      h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
      table { border-collapse: collapse; } th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: left; }
      td.n { text-align: right; font-variant-numeric: tabular-nums; } td.pending { color: #888; }
      .meta { color: #555; line-height: 1.6; } code { font-size: 0.92em; }
      .state { padding: 1px 8px; border-radius: 8px; color: #fff; background: #888; }
      .state-published { background: #2a7d2e; } .state-failed { background: #b3261e; }
      .failure { border: 1px solid #b3261e; background: #fdecea; padding: 0.6em 1em; margin: 1em 0; }
      .charts { display: flex; flex-wrap: wrap; gap: 24px; } p.empty { color: #888; font-style: italic; }
      pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; }
      .held { color: #2a7d2e; font-weight: 600; } .missed { color: #b3261e; font-weight: 600; }
      tr.chosen td { background: #eef6ee; } td.mark { color: #555; }
      table.search-trials { font-size: 0.9em; } table.search-trials td:first-child { white-space: nowrap; }
      """;

    private static final String SCRIPT = """
      (function () {
        'use strict';
        const run = JSON.parse(document.getElementById('run-data').textContent);
        const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
        const common = { animation: false, responsive: false, plugins: { legend: { position: 'bottom' } } };
        // Artifacts of one model often have the same accuracy and nearly the same size: a shape each
        // keeps every point visible where two overlap.
        const shapes = ['circle', 'rect', 'triangle', 'rectRot', 'star', 'crossRot', 'rectRounded', 'cross'];
        // A chart with nothing to draw (a run that failed before training) says so instead of empty axes.
        function empty(id, why) {
          const canvas = document.getElementById(id);
          const note = document.createElement('p');
          note.className = 'empty';
          note.textContent = why;
          canvas.replaceWith(note);
          return null;
        }
        // Powers of ten only on the log axis: Chart.js labels every tick, which overlap ("50,00060,000").
        function bytesTick(v) {
          const e = Math.log10(v);
          if (Math.abs(e - Math.round(e)) > 1e-9) return '';
          return v >= 1e6 ? (v / 1e6) + ' MB' : v >= 1e3 ? (v / 1e3) + ' kB' : v + ' B';
        }
        function curves(id, key, title, yTitle) {
          const datasets = run.stages.map((s, i) => ({
            label: s.label,
            data: s.epochs.filter(e => e[key] !== null).map(e => ({ x: e.epoch, y: e[key] })),
            borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], tension: 0.2
          })).filter(d => d.data.length > 0);
          if (datasets.length === 0) return empty(id, title + ': no finished epoch in this run yet.');
          return new Chart(document.getElementById(id), {
            type: 'line', data: { datasets: datasets },
            options: Object.assign({}, common, {
              plugins: Object.assign({}, common.plugins, { title: { display: true, text: title } }),
              scales: { x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
                        y: { title: { display: true, text: yTitle } } }
            })
          });
        }
        const charts = [
          curves('loss-chart', 'loss', 'Training loss per epoch', 'loss'),
          curves('accuracy-chart', 'accuracy', 'Training accuracy per epoch', 'accuracy'),
          run.artifacts.length === 0 ? empty('size-chart', 'Accuracy against size: no model finished in this run yet.') :
          new Chart(document.getElementById('size-chart'), {
            type: 'scatter',
            data: { datasets: run.artifacts.map((a, i) => ({
              label: a.label, data: [{ x: a.bytes, y: a.accuracy }], pointRadius: 8, pointHoverRadius: 10,
              pointStyle: shapes[i % shapes.length], borderWidth: 2,
              backgroundColor: palette[i % palette.length] + '99', borderColor: palette[i % palette.length] })) },
            options: Object.assign({}, common, {
              plugins: Object.assign({}, common.plugins, { title: { display: true, text: 'Test accuracy against size of every model and artifact' } }),
              scales: { x: { type: 'logarithmic', title: { display: true, text: 'bytes (log scale)' },
                             ticks: { callback: bytesTick, autoSkip: false, maxRotation: 0 } },
                        y: { title: { display: true, text: 'test accuracy' } } }
            })
          })
        ];
        if (document.getElementById('latency-chart')) {
          const models = [...new Set(run.latency.map(l => l.model))];
          const runtimes = [...new Set(run.latency.map(l => l.runtime))];
          charts.push(new Chart(document.getElementById('latency-chart'), {
            type: 'bar',
            data: { labels: models, datasets: runtimes.map((r, i) => ({
              label: r, backgroundColor: palette[i % palette.length],
              data: models.map(m => { const l = run.latency.find(x => x.model === m && x.runtime === r); return l ? l.p50 : null; }) })) },
            options: Object.assign({}, common, {
              plugins: Object.assign({}, common.plugins, { title: { display: true, text: 'Latency of one row (p50) per model and runtime' } }),
              scales: { y: { title: { display: true, text: 'milliseconds' }, beginAtZero: true } }
            })
          }));
        }
        if (run.search) {
          charts.push(...searchCharts(run.search, palette, common));
        }
        charts.splice(0, charts.length, ...charts.filter(c => c !== null));
        for (const c of charts) {
          let points = 0;
          c.data.datasets.forEach((d, i) => { points += c.getDatasetMeta(i).data.length; });
          const pixels = c.canvas.getContext('2d').getImageData(0, 0, c.canvas.width, c.canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) painted++; }
          c.canvas.dataset.points = String(points);
          // What the tests read back: the x-axis labels drawn, and each dataset's point shape.
          c.canvas.dataset.xLabels = c.scales.x.ticks.map(t => t.label).filter(l => l !== '').join('|');
          c.canvas.dataset.shapes = c.data.datasets.map(d => d.pointStyle || '').join('|');
          c.canvas.dataset.paintedPixels = String(painted);
        }
        document.body.dataset.chartsRendered = String(charts.length);
      })();
      """;
}
