package io.distillery.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillery.jobs.CliHarness;
import io.distillery.jobs.cluster.StandaloneCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * A long search on a standalone cluster (Master + 2 one-core Workers, pinned): hundreds of one-epoch
 * trials drawn at random from a wide space, with the executors' native threads and resident memory
 * sampled as trials finish, to show that a trial leaves nothing behind (sessions, graphs, Arrow
 * buffers, TFLite interpreters). Prints a table and writes {@code bench/results/search-soak.{md,json}}.
 *
 * <p>Run with {@code bench/search-soak.sh [trials=200] [rows=3000]}.
 */
public final class SearchSoakBenchmark {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        Path root = StandaloneCluster.repoRoot();
        Path work = Files.createTempDirectory("distillery-bench-search-soak-");
        Path conf = work.resolve("soak.yaml");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "name: search-soak",
                        "run_dir: " + work.resolve("runs"),
                        "data:",
                        "  limit: " + rows,
                        "  test_limit: 1000",
                        "  validation_fraction: 0.1",
                        "teacher:",
                        "  layers: [flatten, 'dense(128,relu)', 'dense(10)']",
                        "  epochs: 2",
                        "search:",
                        "  sampler: random",
                        "  trials: " + trials,
                        "  widths: [0.125, 0.25, 0.5, 0.75, 1.0]",
                        "  temperatures: [1.0, 1.5, 2.0, 3.0, 4.0]",
                        "  alphas: [0.1, 0.3, 0.5, 0.7, 0.9]",
                        "  prunes: [none, 'structured:0.5', 'unstructured:0.5']",
                        "  int8: [false, true]",
                        "  epochs: 1",
                        "  prune_epochs: 1",
                        "  latency_calls: 20",
                        "  max_accuracy_drop: 100",
                        "publish:",
                        "  base_path: " + work.resolve("models"),
                        ""));
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("date", Instant.now().toString());
        results.put("command", "bench/search-soak.sh " + trials + " " + rows);
        results.put("load_average_at_start", DataParallelBenchmark.loadAverage());
        results.put(
                "cluster",
                "standalone, 127.0.0.1: Master + 2 Workers (1 core, 2 GiB executor heap each, pinned to CPU 0 and 1)");
        List<Map<String, Object>> samples = new ArrayList<>();
        Path trialsDir = work.resolve("runs/soak/search/trials");
        try (StandaloneCluster cluster =
                StandaloneCluster.start(work.resolve("spark-home"), 2, Map.of("WORKER_CPUS", "0 1"))) {
            CliHarness.use(cluster.session("distillery-bench-search-soak", Map.of("spark.executor.memory", "2g")));
            long started = System.nanoTime();
            CompletableFuture<CliHarness.Result> search = CompletableFuture.supplyAsync(
                    () -> CliHarness.run("search", "--conf", conf.toString(), "--run-id", "soak", "--no-publish"));
            int lastDone = -1;
            while (!search.isDone()) {
                Thread.sleep(2000);
                int done = finished(trialsDir);
                if (done != lastDone && (done == 0 || done / 10 != lastDone / 10)) {
                    samples.add(sample(cluster, done, (System.nanoTime() - started) / 1e9));
                    lastDone = done;
                }
            }
            CliHarness.Result r = search.get();
            if (r.exitCode() != 0) {
                throw new IllegalStateException("the search failed: " + r);
            }
            samples.add(sample(cluster, finished(trialsDir), (System.nanoTime() - started) / 1e9));
        } finally {
            CliHarness.stopSpark();
        }
        results.put("samples", samples);
        results.put("load_average_at_end", DataParallelBenchmark.loadAverage());
        StringBuilder md = new StringBuilder("# A long search: executor threads and memory per trial\n\n");
        md.append(String.format(
                Locale.ROOT,
                "`%s`, %s, load average %s at start, %s at end; %s. Random sampler, %d one-epoch trials (one"
                        + " pruning epoch for the pruned ones) over widths 0.125-1 of a 784-128-10 student, 5"
                        + " temperatures, 5 alphas, none/structured/unstructured pruning, float/int8; %d rows.%n%n",
                results.get("command"),
                results.get("date"),
                results.get("load_average_at_start"),
                results.get("load_average_at_end"),
                results.get("cluster"),
                trials,
                rows));
        md.append("| trials finished | seconds | executor threads | executor RSS (MiB) | driver threads |\n");
        md.append("|---:|---:|---|---|---:|\n");
        for (Map<String, Object> s : samples) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %d | %.0f | %s | %s | %d |%n",
                    (int) s.get("trials_finished"),
                    (double) s.get("seconds"),
                    s.get("executor_threads"),
                    s.get("executor_rss_mib"),
                    (int) s.get("driver_threads")));
        }
        Path out = root.resolve("bench/results");
        Files.createDirectories(out);
        Files.writeString(out.resolve("search-soak.json"), JSON.writeValueAsString(results));
        Files.writeString(out.resolve("search-soak.md"), md.toString());
        System.out.print(md);
    }

    static int finished(Path trialsDir) throws IOException {
        if (!Files.isDirectory(trialsDir)) {
            return 0;
        }
        try (Stream<Path> dirs = Files.list(trialsDir)) {
            return (int)
                    dirs.filter(d -> Files.exists(d.resolve("result.json"))).count();
        }
    }

    static Map<String, Object> sample(StandaloneCluster cluster, int done, double seconds) {
        List<Long> threads = new ArrayList<>();
        List<Long> rss = new ArrayList<>();
        for (ProcessHandle e : cluster.executors()) {
            threads.add(StandaloneCluster.procStatus(e.pid(), "Threads:"));
            rss.add(StandaloneCluster.procStatus(e.pid(), "VmRSS:") / 1024);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("trials_finished", done);
        s.put("seconds", seconds);
        s.put("executor_threads", threads);
        s.put("executor_rss_mib", rss);
        s.put("driver_threads", (int)
                StandaloneCluster.procStatus(ProcessHandle.current().pid(), "Threads:"));
        System.out.printf(
                Locale.ROOT, "%4d trials, %5.0f s: executor threads %s, RSS MiB %s%n", done, seconds, threads, rss);
        return s;
    }
}
