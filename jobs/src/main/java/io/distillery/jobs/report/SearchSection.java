package io.distillery.jobs.report;

import static io.distillery.jobs.report.ReportWriter.count;
import static io.distillery.jobs.report.ReportWriter.esc;
import static io.distillery.jobs.report.ReportWriter.num;

import io.distillery.jobs.report.SearchRecord.Check;
import io.distillery.jobs.report.SearchRecord.Trial;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The report's "Search" section, for a run with a {@link SearchRecord}: one paragraph on the search and
 * its choice, validation accuracy against latency and against size of every trial (the Pareto front
 * joined by a line, the chosen trial a star), and a table of every trial by size.
 */
final class SearchSection {
    private static final Pattern N_M = Pattern.compile("NM_(\\d+)_(\\d+)");

    private SearchSection() {}

    static void html(StringBuilder h, SearchRecord s) {
        h.append("<h2>Search</h2>\n");
        summary(h, s);
        failed(h, s);
        if (s.trials().isEmpty()) {
            return;
        }
        h.append("<div class=\"charts\">\n");
        if (s.latencyMeasured()) {
            h.append("<canvas id=\"search-latency-chart\" width=\"560\" height=\"360\"></canvas>\n");
        }
        h.append("<canvas id=\"search-size-chart\" width=\"560\" height=\"360\"></canvas>\n</div>\n");
        trials(h, s);
    }

    private static void summary(StringBuilder h, SearchRecord s) {
        h.append(String.format(
                Locale.ROOT,
                "<p>Sampler <b>%s</b>, objective <b>%s</b>: <b>%d</b> trial(s) finished, %d failed, %,d trial-epochs"
                        + " in %.1f s. Reference: teacher validation accuracy <b>%.4f</b>.<br>",
                esc(s.sampler()),
                esc(s.objective()),
                s.trials().size(),
                s.failed().size(),
                s.trialEpochs(),
                s.seconds(),
                s.reference()));
        h.append(String.format(
                Locale.ROOT,
                "Budgets: validation accuracy at most %.2f points below the reference (&ge; %.4f), ",
                s.maxAccuracyDrop(),
                s.reference() - s.maxAccuracyDrop() / 100));
        h.append(
                s.maxLatencyMs() > 0
                        ? String.format(Locale.ROOT, "p50 latency &le; %.4f ms, ", s.maxLatencyMs())
                        : "no latency budget, ");
        h.append(
                s.maxBytes() > 0
                        ? String.format(Locale.ROOT, "file &le; %,d bytes.<br>", s.maxBytes())
                        : "no size budget.<br>");
        h.append("Chosen: <code>")
                .append(esc(s.chosen()))
                .append("</code>, ")
                .append(
                        s.met()
                                ? "<span class=\"held\">every budget held</span>"
                                : "<span class=\"missed\">best effort: a budget missed</span>");
        List<String> checks = new ArrayList<>();
        s.checks().forEach((name, c) -> checks.add(check(name, c)));
        if (!checks.isEmpty()) {
            h.append(": ").append(String.join("; ", checks));
        }
        h.append(".</p>\n");
    }

    /** One budget of the chosen trial: its figure, the limit, and the margin (negative: missed). */
    private static String check(String name, Check c) {
        String verdict = c.held() ? "held" : "missed";
        return switch (name) {
            case "accuracy" ->
                String.format(
                        Locale.ROOT,
                        "accuracy %.4f %s %.4f (%s, margin %+.4f)",
                        c.value(),
                        c.held() ? "&ge;" : "&lt;",
                        c.limit(),
                        verdict,
                        c.margin());
            case "latency" ->
                String.format(
                        Locale.ROOT,
                        "p50 %.4f ms %s %.4f ms (%s, margin %+.4f ms)",
                        c.value(),
                        c.held() ? "&le;" : "&gt;",
                        c.limit(),
                        verdict,
                        c.margin());
            case "size" ->
                String.format(
                        Locale.ROOT,
                        "%,.0f bytes %s %,.0f (%s, margin %+,.0f bytes)",
                        c.value(),
                        c.held() ? "&le;" : "&gt;",
                        c.limit(),
                        verdict,
                        c.margin());
            default ->
                String.format(
                        Locale.ROOT,
                        "%s %.4g against %.4g (%s, margin %+.4g)",
                        esc(name),
                        c.value(),
                        c.limit(),
                        verdict,
                        c.margin());
        };
    }

    private static void failed(StringBuilder h, SearchRecord s) {
        if (s.failed().isEmpty()) {
            return;
        }
        h.append("<details><summary>")
                .append(s.failed().size())
                .append(" failed trial(s)</summary>\n<table>\n<tr><th>trial</th><th>message</th></tr>\n");
        s.failed()
                .forEach((id, message) -> h.append("<tr><td><code>")
                        .append(esc(id))
                        .append("</code></td><td>")
                        .append(esc(message))
                        .append("</td></tr>\n"));
        h.append("</table></details>\n");
    }

    private static void trials(StringBuilder h, SearchRecord s) {
        h.append("<table class=\"search-trials\">\n<tr><th>trial</th><th>width</th><th>T</th><th>alpha</th>")
                .append("<th>prune</th><th>int8</th><th>epochs</th><th>validation</th><th>test</th>")
                .append("<th>bytes</th><th>p50 ms</th><th>parameters</th><th></th></tr>\n");
        List<Trial> bySize = s.trials().stream()
                .sorted(Comparator.comparingLong(Trial::bytes).thenComparing(Trial::id))
                .toList();
        for (Trial t : bySize) {
            boolean chosen = t.id().equals(s.chosen());
            h.append(chosen ? "<tr class=\"chosen\">" : "<tr>")
                    .append("<td><code>")
                    .append(esc(t.id()))
                    .append("</code></td>")
                    .append(num(t.width(), "%.2f"))
                    .append(num(t.temperature(), "%.2f"))
                    .append(num(t.alpha(), "%.2f"))
                    .append("<td>")
                    .append(esc(prune(t)))
                    .append("</td><td>")
                    .append(t.int8() ? "yes" : "no")
                    .append("</td>")
                    .append(count((long) t.epochs()))
                    .append(num(t.validationAccuracy(), "%.4f"))
                    .append(num(t.testAccuracy(), "%.4f"))
                    .append(count(t.bytes()))
                    .append(num(t.latencyP50Ms(), "%.4f"))
                    .append(count(t.parameters()))
                    .append("<td class=\"mark\">")
                    .append(marks(s, t, chosen))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static String prune(Trial t) {
        if (t.prune() == null) {
            return "dense";
        }
        Matcher nm = N_M.matcher(t.prune());
        if (nm.matches()) {
            return nm.group(1) + ":" + nm.group(2);
        }
        String kind = t.prune().toLowerCase(Locale.ROOT).replace('_', ' ');
        return t.sparsity() > 0 ? String.format(Locale.ROOT, "%s %.0f%%", kind, 100 * t.sparsity()) : kind;
    }

    private static String marks(SearchRecord s, Trial t, boolean chosen) {
        List<String> fronts = new ArrayList<>();
        if (s.frontSize().contains(t.id())) {
            fronts.add("size");
        }
        if (s.frontLatency().contains(t.id())) {
            fronts.add("latency");
        }
        List<String> marks = new ArrayList<>();
        if (chosen) {
            marks.add("<b>chosen</b>");
        }
        if (!fronts.isEmpty()) {
            marks.add("front (" + String.join(", ", fronts) + ")");
        }
        return String.join(", ", marks);
    }

    /** What the search charts draw (see {@link #SCRIPT}). */
    static Map<String, Object> chartData(SearchRecord s) {
        List<Map<String, Object>> trials = new ArrayList<>();
        for (Trial t : s.trials()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", t.id());
            m.put("validation", t.validationAccuracy());
            m.put("bytes", t.bytes());
            m.put("p50", t.latencyP50Ms());
            trials.add(m);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("chosen", s.chosen());
        m.put("front_size", s.frontSize());
        m.put("front_latency", s.frontLatency());
        m.put("trials", trials);
        return m;
    }

    /**
     * Defines {@code searchCharts(search, palette, common)}, which draws the section's canvases and
     * returns their charts; the page's main script calls it when the run data has a search.
     */
    static final String SCRIPT = """
      function searchCharts(search, palette, common) {
        'use strict';
        const byId = new Map(search.trials.map(t => [t.id, t]));
        // A search's sizes often span less than a decade: label 1, 2 and 5 times a power of ten.
        function tick(unit) {
          return function (v) {
            const m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
            return [1, 2, 5].some(k => Math.abs(m - k) < 1e-6) ? unit(v) : '';
          };
        }
        const bytes = v => v >= 1e6 ? +(v / 1e6).toPrecision(3) + ' MB' : v >= 1e3 ? +(v / 1e3).toPrecision(3) + ' kB' : v + ' B';
        const ms = v => +v.toPrecision(3) + ' ms';
        function chart(id, key, front, title, xTitle, unit) {
          const point = t => ({ x: t[key], y: t.validation, id: t.id });
          const drawn = search.trials.filter(t => t[key] !== null && t[key] > 0);
          const frontPoints = front.map(f => byId.get(f)).filter(t => t && t[key] !== null && t[key] > 0)
            .map(point).sort((a, b) => a.x - b.x);
          // The first dataset is drawn last, on top: the chosen star, then the front, then every trial.
          const datasets = [
            { label: 'chosen', data: drawn.filter(t => t.id === search.chosen).map(point), pointStyle: 'star',
              pointRadius: 12, pointHoverRadius: 14, borderWidth: 3, borderColor: palette[3], backgroundColor: palette[3] + '99' },
            { label: 'Pareto front', data: frontPoints, showLine: true, pointStyle: 'rectRot', pointRadius: 7,
              pointHoverRadius: 9, borderWidth: 2, borderColor: palette[1], backgroundColor: palette[1] + '99' },
            { label: 'trials', data: drawn.map(point), pointStyle: 'circle', pointRadius: 5, pointHoverRadius: 7,
              borderWidth: 1, borderColor: palette[0], backgroundColor: palette[0] + '66' }
          ];
          return new Chart(document.getElementById(id), {
            type: 'scatter', data: { datasets: datasets },
            options: Object.assign({}, common, {
              plugins: Object.assign({}, common.plugins, {
                title: { display: true, text: title },
                tooltip: { callbacks: { label: c => c.raw.id + ': ' + c.raw.y.toFixed(4) + ' at ' + unit(c.raw.x) } }
              }),
              scales: { x: { type: 'logarithmic', title: { display: true, text: xTitle },
                             ticks: { callback: tick(unit), autoSkip: false, maxRotation: 0 } },
                        y: { title: { display: true, text: 'validation accuracy' } } }
            })
          });
        }
        const charts = [];
        if (document.getElementById('search-latency-chart')) {
          charts.push(chart('search-latency-chart', 'p50', search.front_latency,
            'Search: validation accuracy against latency of every trial', 'p50 latency, batch 1 (log scale)', ms));
        }
        if (document.getElementById('search-size-chart')) {
          charts.push(chart('search-size-chart', 'bytes', search.front_size,
            'Search: validation accuracy against size of every trial', 'file bytes (log scale)', bytes));
        }
        return charts;
      }
      """;
}
