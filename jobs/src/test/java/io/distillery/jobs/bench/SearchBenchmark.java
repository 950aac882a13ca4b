package io.distillery.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillery.jobs.CliHarness;
import io.distillery.jobs.cluster.StandaloneCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The compression search on a standalone cluster of this machine (Master + 2 one-core Workers): the
 * default search space (24 trials) with one executor and with two, for the parallel efficiency
 * (one-worker wall time / (2 × two-worker wall time)); successive halving on the same space, for its
 * best model against the grid's and its share of the grid's trial-epochs; then the grid's trials chosen
 * again within 1 point of the teacher and a latency budget, and published. Every search brings the same
 * teacher (trained once, data-parallel, and kept by its run as a SavedModel).
 *
 * <p>Run with {@code bench/search.sh [epochs=6] [rows=0 (all)]}; writes {@code bench/results/search.json}
 * and {@code .md}. {@code bench/search.sh 6 0 efficiency [rounds=1]} runs only the 1- and 2-worker grids,
 * alternated {@code rounds} times (bench/results/search-efficiency.{md,json}).
 */
public final class SearchBenchmark {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static void main(String[] args) throws Exception {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        // "efficiency": the 1- and 2-worker grids only (bench/results/search-efficiency.{md,json}).
        boolean efficiencyOnly = args.length > 2 && args[2].equals("efficiency");
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Path root = StandaloneCluster.repoRoot();
        Path work = Files.createTempDirectory("distillery-bench-search-");
        Path conf = work.resolve("search.yaml");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "name: search",
                        "run_dir: " + work.resolve("runs"),
                        "data:",
                        "  limit: " + rows,
                        "  validation_fraction: 0.1",
                        "search:",
                        "  epochs: " + epochs,
                        "  prune_epochs: 2",
                        "  max_accuracy_drop: 100",
                        "publish:",
                        "  base_path: " + work.resolve("models"),
                        ""));
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("date", Instant.now().toString());
        results.put(
                "command", "bench/search.sh " + epochs + " " + rows + (efficiencyOnly ? " efficiency " + rounds : ""));
        results.put("cpus", Runtime.getRuntime().availableProcessors());
        results.put("load_average_at_start", DataParallelBenchmark.loadAverage());
        // Each worker (and its executor) pinned to a core of its own, as on a host of its own: one worker
        // then has one core, not one core plus what the other worker would use.
        boolean pinned = Runtime.getRuntime().availableProcessors() >= 2;
        results.put(
                "cluster",
                "standalone, 127.0.0.1: Master + 2 Workers (1 core, 2 GiB executor heap each"
                        + (pinned
                                ? "; worker i pinned to CPU i-1 with taskset, the driver and Master unpinned)"
                                : ")"));
        Map<String, Object> runs = new LinkedHashMap<>();
        results.put(
                "teacher_settings",
                "the default teacher, 8 epochs, 2 workers (data-parallel), brought by every search");
        try (StandaloneCluster cluster = StandaloneCluster.start(
                work.resolve("spark-home"), 2, pinned ? Map.of("WORKER_CPUS", "0 1") : Map.of())) {
            CliHarness.use(cluster.session("distillery-bench-teacher", Map.of("spark.executor.memory", "2g")));
            CliHarness.Result teacher =
                    CliHarness.run("teacher", "--conf", conf.toString(), "--run-id", "teacher", "--workers", "2");
            check(teacher, "teacher");
            CliHarness.stopSpark();
            String brought = "teacher.saved_model.uris=" + work.resolve("runs/teacher/teacher/savedmodel");
            if (efficiencyOnly) {
                efficiency(cluster, conf, work, brought, rounds, results, runs, root);
                return;
            }
            // One executor, then two: the same 24 trials in fresh runs; each summary read right away.
            runs.put("grid_1_worker", search(cluster, conf, "grid-1", brought, Map.of("spark.cores.max", "1")));
            JsonNode one = summary(work, "grid-1");
            runs.put("grid_2_workers", search(cluster, conf, "grid-2", brought, Map.of()));
            JsonNode two = summary(work, "grid-2");
            runs.put(
                    "halving_2_workers", search(cluster, conf, "halving", brought, Map.of(), "search.sampler=halving"));
            JsonNode halving = summary(work, "halving");
            results.put(
                    "parallel_efficiency",
                    one.get("seconds").asDouble() / (2 * two.get("seconds").asDouble()));
            results.put("trials", two.get("trials").size());
            results.put("sum_of_trial_seconds_1_worker", sumSeconds(one));
            results.put("sum_of_trial_seconds_2_workers", sumSeconds(two));
            JsonNode gridBest = best(two);
            JsonNode halvingBest = best(halving);
            results.put("grid_best", brief(gridBest));
            results.put("halving_best", brief(halvingBest));
            results.put(
                    "halving_trial_epochs_share",
                    halving.get("trial_epochs").asDouble()
                            / two.get("trial_epochs").asDouble());
            results.put(
                    "halving_best_minus_grid_best_test_points",
                    100
                            * (halvingBest.get("test_accuracy").asDouble()
                                    - gridBest.get("test_accuracy").asDouble()));
            // Budgets within 1 point of the teacher need students close to it: a convolutional family
            // (half the teacher's filters at width 1). Its trials first without budgets, for their latencies;
            // then, on the same run (nothing retrained), within 1 point and under the median latency.
            String[] family = {
                "student.layers=[conv2d(16,3,relu,same),maxpool(2),conv2d(32,3,relu,same),maxpool(2),flatten,"
                        + "dense(64,relu),dense(10)]",
                "search.widths=[0.5,1.0]",
                "search.temperatures=[1.5]"
            };
            runs.put("conv_family", search(cluster, conf, "budgets", brought, Map.of(), family));
            double budget = medianLatency(summary(work, "budgets"));
            results.put("budget_max_latency_ms", budget);
            List<String> withBudgets = new ArrayList<>(List.of(family));
            withBudgets.addAll(List.of("search.max_accuracy_drop=1", "search.max_latency_ms=" + budget, "publish"));
            runs.put(
                    "chosen_within_budgets",
                    search(cluster, conf, "budgets", brought, Map.of(), withBudgets.toArray(String[]::new)));
            JsonNode manifest =
                    JSON.readTree(work.resolve("models/search/1/manifest.json").toFile());
            results.put("published_search", manifest.get("search"));
            results.put("published_metrics", manifest.get("metrics"));
            results.put(
                    "teacher",
                    JSON.readTree(
                            work.resolve("runs/grid-2/teacher/teachers.json").toFile()));
            results.put("runs", runs);
            results.put("load_average_at_end", DataParallelBenchmark.loadAverage());
            String md = markdown(results, one, two, halving);
            Path out = root.resolve("bench/results");
            Files.createDirectories(out);
            Files.writeString(out.resolve("search.json"), JSON.writeValueAsString(results));
            Files.writeString(out.resolve("search.md"), md);
            System.out.println();
            System.out.print(md);
        } finally {
            CliHarness.stopSpark();
        }
    }

    private static Map<String, Object> search(
            StandaloneCluster cluster, Path conf, String run, String brought, Map<String, String> spark, String... sets)
            throws Exception {
        Map<String, String> settings = new LinkedHashMap<>(spark);
        settings.put("spark.executor.memory", "2g");
        CliHarness.use(cluster.session("distillery-bench-" + run, settings));
        List<String> args = new ArrayList<>(List.of("search", "--conf", conf.toString(), "--run-id", run));
        args.addAll(List.of("--set", brought));
        boolean publish = false;
        for (String s : sets) {
            if (s.equals("publish")) {
                publish = true;
            } else {
                args.addAll(List.of("--set", s));
            }
        }
        if (!publish) {
            args.add("--no-publish");
        }
        long started = System.nanoTime();
        CliHarness.Result r = CliHarness.run(args.toArray(String[]::new));
        double wall = (System.nanoTime() - started) / 1e9;
        CliHarness.stopSpark();
        check(r, run);
        System.out.print(r.out());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", run);
        m.put("settings", List.of(sets));
        m.put("spark", spark);
        m.put("command_seconds", wall);
        return m;
    }

    private static void check(CliHarness.Result r, String what) {
        if (r.exitCode() != 0) {
            throw new IllegalStateException(what + " failed: " + r);
        }
    }

    /**
     * The 1-worker and the 2-worker grids, alternated {@code rounds} times in fresh runs so that a busy
     * spell of this shared machine falls on both sides: each round's efficiency, and the pooled one
     * (all 1-worker seconds / (2 × all 2-worker seconds)).
     */
    private static void efficiency(
            StandaloneCluster cluster,
            Path conf,
            Path work,
            String brought,
            int rounds,
            Map<String, Object> results,
            Map<String, Object> runs,
            Path root)
            throws Exception {
        List<Map<String, Object>> perRound = new ArrayList<>();
        double oneTotal = 0;
        double twoTotal = 0;
        StringBuilder table = new StringBuilder(
                "| round | 1 worker s | 2 workers s | efficiency | trials' own s, 1 worker | trials' own s, 2 workers |\n"
                        + "|---:|---:|---:|---:|---:|---:|\n");
        for (int round = 1; round <= rounds; round++) {
            runs.put(
                    "grid_1_worker_" + round,
                    search(cluster, conf, "grid-1-" + round, brought, Map.of("spark.cores.max", "1")));
            JsonNode one = summary(work, "grid-1-" + round);
            runs.put("grid_2_workers_" + round, search(cluster, conf, "grid-2-" + round, brought, Map.of()));
            JsonNode two = summary(work, "grid-2-" + round);
            double s1 = one.get("seconds").asDouble();
            double s2 = two.get("seconds").asDouble();
            oneTotal += s1;
            twoTotal += s2;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("round", round);
            r.put("seconds_1_worker", s1);
            r.put("seconds_2_workers", s2);
            r.put("parallel_efficiency", s1 / (2 * s2));
            r.put("sum_of_trial_seconds_1_worker", sumSeconds(one));
            r.put("sum_of_trial_seconds_2_workers", sumSeconds(two));
            perRound.add(r);
            table.append(String.format(
                    Locale.ROOT,
                    "| %d | %.0f | %.0f | %.2f | %.0f | %.0f |%n",
                    round,
                    s1,
                    s2,
                    s1 / (2 * s2),
                    sumSeconds(one),
                    sumSeconds(two)));
        }
        double pooled = oneTotal / (2 * twoTotal);
        results.put("rounds", perRound);
        results.put("parallel_efficiency", pooled);
        results.put("runs", runs);
        results.put("load_average_at_end", DataParallelBenchmark.loadAverage());
        String md = String.format(
                Locale.ROOT,
                "# Search parallel efficiency%n%n`%s`, %s, load average %s at start, %s at end. The 1-worker and"
                        + " 2-worker grids (24 trials each) alternate, in fresh runs.%n%n%s%nPooled over %d round%s:"
                        + " efficiency **%.2f** (%.0f s with 1 worker, %.0f s with 2).%n",
                results.get("command"),
                results.get("date"),
                results.get("load_average_at_start"),
                results.get("load_average_at_end"),
                table,
                rounds,
                rounds == 1 ? "" : "s",
                pooled,
                oneTotal,
                twoTotal);
        Path out = root.resolve("bench/results");
        Files.writeString(out.resolve("search-efficiency.json"), JSON.writeValueAsString(results));
        Files.writeString(out.resolve("search-efficiency.md"), md);
        System.out.print(md);
    }

    private static JsonNode summary(Path work, String run) throws Exception {
        return JSON.readTree(
                work.resolve("runs/" + run + "/search/summary.json").toFile());
    }

    /** The most accurate trial on the validation rows (what a search would pick with no size objective). */
    private static JsonNode best(JsonNode summary) {
        JsonNode best = null;
        for (JsonNode t : summary.get("trials")) {
            if (best == null
                    || t.get("validation_accuracy").asDouble()
                            > best.get("validation_accuracy").asDouble()) {
                best = t;
            }
        }
        return best;
    }

    private static double sumSeconds(JsonNode summary) {
        double total = 0;
        for (JsonNode t : summary.get("trials")) {
            total += t.get("seconds").asDouble();
        }
        return total;
    }

    private static double medianLatency(JsonNode summary) {
        List<Double> p50 = new ArrayList<>();
        summary.get("trials").forEach(t -> p50.add(t.get("latency_p50_ms").asDouble()));
        p50.sort(Double::compare);
        return p50.get(p50.size() / 2);
    }

    private static Map<String, Object> brief(JsonNode t) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k :
                List.of("id", "validation_accuracy", "test_accuracy", "bytes", "latency_p50_ms", "train_epochs")) {
            m.put(k, JSON.convertValue(t.get(k), Object.class));
        }
        return m;
    }

    private static String markdown(Map<String, Object> r, JsonNode one, JsonNode two, JsonNode halving) {
        StringBuilder md = new StringBuilder();
        md.append("# Compression search on a 2-worker standalone cluster\n\n");
        md.append("`")
                .append(r.get("command"))
                .append("`, ")
                .append(r.get("date"))
                .append(", load average ")
                .append(r.get("load_average_at_start"))
                .append(" at start, ")
                .append(r.get("load_average_at_end"))
                .append(" at end; ")
                .append(r.get("cluster"))
                .append(".\n\n");
        md.append(
                "| search | trials | trial-epochs | seconds (trials) | best validation | its test |\n|---|---:|---:|---:|---:|---:|\n");
        row(md, "grid, 1 worker", one);
        row(md, "grid, 2 workers", two);
        row(md, "successive halving (eta 3, 3 rungs), 2 workers", halving);
        md.append(String.format(
                Locale.ROOT,
                "%nParallel efficiency (1-worker seconds / (2 × 2-worker seconds)): **%.2f** (sum of the trials' own"
                        + " seconds: %.0f with 1 worker, %.0f with 2: two executors and the driver share 2 cores).%n"
                        + "Successive halving: %.0f %% of the grid's trial-epochs; its best model %+.2f points (test) from the grid's best.%n",
                r.get("parallel_efficiency"),
                r.get("sum_of_trial_seconds_1_worker"),
                r.get("sum_of_trial_seconds_2_workers"),
                100 * (double) r.get("halving_trial_epochs_share"),
                r.get("halving_best_minus_grid_best_test_points")));
        JsonNode search = JSON.valueToTree(r.get("published_search"));
        md.append(String.format(
                Locale.ROOT,
                "%nChosen within 1 point of the teacher's validation accuracy and p50 <= %.4f ms (the median of a convolutional family's 8 trials):"
                        + " `%s`, budgets met: %s; checks: %s%n",
                r.get("budget_max_latency_ms"),
                search.get("chosen").asText(),
                search.get("met").asText(),
                search.get("checks").toString()));
        return md.toString();
    }

    private static void row(StringBuilder md, String name, JsonNode s) {
        JsonNode b = best(s);
        md.append(String.format(
                Locale.ROOT,
                "| %s | %d | %d | %.0f | %.4f (%s) | %.4f |%n",
                name,
                s.get("trials").size(),
                s.get("trial_epochs").asLong(),
                s.get("seconds").asDouble(),
                b.get("validation_accuracy").asDouble(),
                b.get("id").asText(),
                b.get("test_accuracy").asDouble()));
    }
}
