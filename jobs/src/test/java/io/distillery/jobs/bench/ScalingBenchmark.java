package io.distillery.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillery.jobs.cluster.NetnsDriver;
import io.distillery.jobs.cluster.NetnsHosts;
import io.distillery.jobs.cluster.StandaloneCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Step time of the default teacher at 2 workers over links of several bandwidths, split into compute
 * (the same training on 1 worker) and all-reduce (the difference); a fit of the ring all-reduce cost
 * {@code t = a + b · 2(N−1)/N · G / bandwidth} (G: gradient bytes), checked against every measurement
 * and, fitted on the fastest and slowest links only, against the links between; then step time and
 * scaling efficiency projected for 4 to 64 workers at 10, 25 and 100 Gbit/s. The hosts are network
 * namespaces of {@code cluster-conf/netns-hosts.sh} (root needed), each worker pinned to a core of its
 * own; a bandwidth is {@code tc tbf} on both directions of both workers' links.
 *
 * <p>Run with {@code bench/scaling.sh [rows=12800] [epochs=3] [rates=none,1gbit,300mbit,100mbit,30mbit]};
 * writes {@code bench/results/scaling.json} and {@code .md}.
 */
public final class ScalingBenchmark {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String PREFIX = "dsc";
    /** ResNet-50's parameters (He et al. 2016), for the projection. */
    static final long RESNET50_PARAMS = 25_557_032L;

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 12800;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<String> rates = List.of((args.length > 2 ? args[2] : "none,1gbit,300mbit,100mbit,30mbit").split(","));
        Path root = StandaloneCluster.repoRoot();
        Path work = Files.createTempDirectory("distillery-bench-scaling-");
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("date", Instant.now().toString());
        results.put("command", "bench/scaling.sh " + rows + " " + epochs + " " + String.join(",", rates));
        results.put("cpus", Runtime.getRuntime().availableProcessors());
        results.put("load_average_at_start", DataParallelBenchmark.loadAverage());
        results.put(
                "hosts",
                "network namespaces (cluster-conf/netns-hosts.sh): Master, driver, 2 Workers (1 core each, pinned"
                        + " to CPU 0 and 1), veth pairs on a bridge; a rate is tc tbf on both directions of both"
                        + " workers' links");
        List<Map<String, Object>> runs = new ArrayList<>();
        double compute;
        long params;
        try (NetnsHosts hosts = NetnsHosts.up(PREFIX, 2);
                StandaloneCluster cluster = StandaloneCluster.start(
                        work.resolve("spark-home"), 2, Map.of("NETNS_PREFIX", PREFIX, "WORKER_CPUS", "0 1"))) {
            Run one = run(hosts, cluster, work, "n1", 1, rows, epochs);
            compute = one.stepSeconds;
            params = one.params;
            runs.add(one.row("none"));
            for (String rate : rates) {
                if (!rate.equals("none")) {
                    hosts.limit("w1", rate);
                    hosts.limit("w2", rate);
                }
                try {
                    Run two = run(hosts, cluster, work, "n2-" + rate, 2, rows, epochs);
                    Map<String, Object> row = two.row(rate);
                    row.put("all_reduce_seconds", two.stepSeconds - compute);
                    runs.add(row);
                } finally {
                    hosts.healAll();
                }
            }
        }
        results.put("runs", runs);
        results.put("parameters", params);
        long gradientBytes = 4 * params;
        results.put("gradient_bytes", gradientBytes);
        results.put("compute_seconds_per_step", compute);

        // Fit all-reduce seconds = a + b · x, x = 2(N−1)/N · G / bandwidth (bytes/s); "none" is x = 0.
        List<double[]> points = new ArrayList<>();
        for (Map<String, Object> r : runs) {
            if ((int) r.get("workers") == 2) {
                points.add(new double[] {
                    transferSeconds(2, gradientBytes, (String) r.get("rate")), (double) r.get("all_reduce_seconds")
                });
            }
        }
        double[] all = fit(points);
        double[] ends = fit(List.of(points.get(0), points.get(points.size() - 1)));
        results.put("fit_all", Map.of("a_seconds", all[0], "b", all[1]));
        results.put("fit_fastest_and_slowest", Map.of("a_seconds", ends[0], "b", ends[1]));
        List<Map<String, Object>> checks = new ArrayList<>();
        double worst = 0;
        double worstOut = 0;
        for (int i = 0; i < points.size(); i++) {
            double x = points.get(i)[0];
            double measured = compute + points.get(i)[1];
            double predicted = compute + all[0] + all[1] * x;
            double predictedOut = compute + ends[0] + ends[1] * x;
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("rate", runs.get(i + 1).get("rate"));
            c.put("measured_step_seconds", measured);
            c.put("predicted_step_seconds", predicted);
            c.put("error", predicted / measured - 1);
            c.put("predicted_by_ends_step_seconds", predictedOut);
            c.put("error_by_ends", predictedOut / measured - 1);
            worst = Math.max(worst, Math.abs(predicted / measured - 1));
            if (i > 0 && i < points.size() - 1) {
                worstOut = Math.max(worstOut, Math.abs(predictedOut / measured - 1));
            }
            checks.add(c);
        }
        results.put("checks", checks);
        results.put("worst_error", worst);
        results.put("worst_error_between_ends", worstOut);

        // Projection: a ring of N does 2(N−1) hops; the 2-worker fit's a is 2 hops' latency.
        double hop = Math.max(0, all[0]) / 2;
        double efficiencyB = all[1];
        List<Map<String, Object>> projection = new ArrayList<>();
        for (String model : List.of("default teacher", "ResNet-50")) {
            long bytes = model.equals("ResNet-50") ? 4 * RESNET50_PARAMS : gradientBytes;
            double stepCompute = model.equals("ResNet-50") ? RESNET50_COMPUTE_SECONDS : compute;
            for (int gbit : new int[] {10, 25, 100}) {
                for (int n : new int[] {4, 8, 16, 32, 64}) {
                    double bw = gbit * 1e9 / 8;
                    double ar = 2 * (n - 1) * hop + efficiencyB * 2.0 * (n - 1) / n * bytes / bw;
                    Map<String, Object> p = new LinkedHashMap<>();
                    p.put("model", model);
                    p.put("gbit", gbit);
                    p.put("workers", n);
                    p.put("compute_seconds", stepCompute);
                    p.put("all_reduce_seconds", ar);
                    p.put("step_seconds", stepCompute + ar);
                    p.put("scaling_efficiency", stepCompute / (stepCompute + ar));
                    projection.add(p);
                }
            }
        }
        results.put("projection", projection);
        results.put("resnet50_compute_seconds_assumed", RESNET50_COMPUTE_SECONDS);
        results.put("load_average_at_end", DataParallelBenchmark.loadAverage());
        Path out = root.resolve("bench/results");
        Files.createDirectories(out);
        JSON.writeValue(out.resolve("scaling.json").toFile(), results);
        String md = markdown(results, runs, checks, projection);
        Files.writeString(out.resolve("scaling.md"), md);
        System.out.println(md);
    }

    /**
     * ResNet-50's compute per step in the projection: batch 64 per worker at about 250 images/s (fp32 on
     * one data-center GPU of the Horovod paper's generation). An assumption, not a measurement here.
     */
    static final double RESNET50_COMPUTE_SECONDS = 64 / 250.0;

    /** Seconds to move a ring's share of {@code bytes} at {@code rate} ("none": 0). */
    static double transferSeconds(int workers, long bytes, String rate) {
        if (rate.equals("none")) {
            return 0;
        }
        Matcher m = Pattern.compile("(\\d+)(kbit|mbit|gbit)").matcher(rate);
        if (!m.matches()) {
            throw new IllegalArgumentException("rate must be like 100mbit, found " + rate);
        }
        double unit = switch (m.group(2)) {
            case "kbit" -> 1e3;
            case "mbit" -> 1e6;
            default -> 1e9;
        };
        double bytesPerSecond = Long.parseLong(m.group(1)) * unit / 8;
        return 2.0 * (workers - 1) / workers * bytes / bytesPerSecond;
    }

    /** Least squares y = a + b·x; {a, b}. */
    static double[] fit(List<double[]> points) {
        double n = points.size();
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (double[] p : points) {
            sx += p[0];
            sy += p[1];
            sxx += p[0] * p[0];
            sxy += p[0] * p[1];
        }
        double b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        return new double[] {(sy - b * sx) / n, b};
    }

    /** One training run: the teacher's step time (epochs after the first) and parameter count. */
    record Run(int workers, double stepSeconds, long params, double accuracy) {
        Map<String, Object> row(String rate) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("rate", rate);
            r.put("workers", workers);
            r.put("step_seconds", stepSeconds);
            r.put("test_accuracy", accuracy);
            return r;
        }
    }

    static Run run(NetnsHosts hosts, StandaloneCluster cluster, Path work, String id, int workers, int rows, int epochs)
            throws Exception {
        Path conf = work.resolve(id + ".yaml");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "name: scaling",
                        "run_dir: " + work.resolve("runs"),
                        "data:",
                        "  limit: " + rows,
                        "  test_limit: 1000",
                        "spark:",
                        "  workers: " + workers,
                        "  checkpoint_every_steps: 0",
                        "  operation_timeout_ms: 600000",
                        "  conf:",
                        "    spark.executor.memory: 1g",
                        "    spark.barrier.sync.timeout: \"600\"",
                        "    spark.executor.extraClassPath: \"" + cluster.executorClassPath() + "\"",
                        "teacher:",
                        "  epochs: " + epochs,
                        "  batch_size: 128",
                        "publish:",
                        "  base_path: " + work.resolve("models"),
                        ""));
        NetnsDriver driver =
                NetnsDriver.start(hosts, cluster, work, id, "teacher", "--conf", conf.toString(), "--run-id", id);
        int code = driver.await(Duration.ofMinutes(20));
        String out = driver.output();
        if (code != 0) {
            throw new IllegalStateException(id + ": exit " + code + "\n" + out);
        }
        Path run = work.resolve("runs").resolve(id);
        int steps = JSON.readTree(run.resolve("teacher/epochs/0000.json").toFile())
                .get("steps_per_epoch")
                .asInt();
        double seconds = 0;
        int timed = 0;
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode m = JSON.readTree(line);
            if (m.path("stage").asText().equals("teacher") && m.path("epoch").asInt() >= 2) {
                seconds += m.get("seconds").asDouble();
                timed++;
            }
        }
        Matcher total = Pattern.compile("(?m)^\\s+total\\s+([0-9,]+)\\s*$").matcher(out);
        Matcher acc = Pattern.compile("teacher test accuracy ([0-9.]+)").matcher(out);
        if (timed == 0 || !total.find() || !acc.find()) {
            throw new IllegalStateException(id + ": no timed epoch, parameter count or accuracy\n" + out);
        }
        Run r = new Run(
                workers,
                seconds / timed / steps,
                Long.parseLong(total.group(1).replace(",", "")),
                Double.parseDouble(acc.group(1)));
        System.out.printf(Locale.ROOT, "%s: %.4f s per step (%d steps per epoch)%n", id, r.stepSeconds, steps);
        return r;
    }

    static String markdown(
            Map<String, Object> results,
            List<Map<String, Object>> runs,
            List<Map<String, Object>> checks,
            List<Map<String, Object>> projection) {
        StringBuilder md = new StringBuilder("# Scaling model: step time against link bandwidth\n\n");
        md.append(String.format(
                Locale.ROOT,
                "`%s`, %s, load average %s at start, %s at end; %s. Default teacher, %d parameters (%d gradient"
                        + " bytes), batch 128 per worker, epochs after the first timed.%n%n",
                results.get("command"),
                results.get("date"),
                results.get("load_average_at_start"),
                results.get("load_average_at_end"),
                results.get("hosts"),
                (long) results.get("parameters"),
                (long) results.get("gradient_bytes")));
        md.append(
                "| link | workers | step (s) | all-reduce (s) | fitted step (s) | error | fitted on ends | error |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map<String, Object> r : runs) {
            Map<String, Object> c = checks.stream()
                    .filter(x -> x.get("rate").equals(r.get("rate")) && (int) r.get("workers") == 2)
                    .findFirst()
                    .orElse(null);
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %.4f | %s | %s | %s | %s | %s |%n",
                    r.get("rate"),
                    (int) r.get("workers"),
                    (double) r.get("step_seconds"),
                    c == null ? "" : String.format(Locale.ROOT, "%.4f", (double) r.get("all_reduce_seconds")),
                    c == null ? "" : String.format(Locale.ROOT, "%.4f", (double) c.get("predicted_step_seconds")),
                    c == null ? "" : String.format(Locale.ROOT, "%+.1f %%", 100 * (double) c.get("error")),
                    c == null
                            ? ""
                            : String.format(Locale.ROOT, "%.4f", (double) c.get("predicted_by_ends_step_seconds")),
                    c == null ? "" : String.format(Locale.ROOT, "%+.1f %%", 100 * (double) c.get("error_by_ends"))));
        }
        @SuppressWarnings("unchecked")
        Map<String, Double> fit = (Map<String, Double>) results.get("fit_all");
        md.append(String.format(
                Locale.ROOT,
                "%nFit (all links): all-reduce = %.4f s + %.3f × 2(N−1)/N · G / bandwidth. Worst error %.1f %%; fitted"
                        + " on the fastest and slowest links only, worst error on the links between %.1f %%.%n%n",
                fit.get("a_seconds"),
                fit.get("b"),
                100 * (double) results.get("worst_error"),
                100 * (double) results.get("worst_error_between_ends")));
        md.append("Projection (ring all-reduce, 2(N−1) hops of a/2 each, no overlap with compute; ResNet-50's"
                + " compute per step assumed, see docs/scaling.md):\n\n");
        md.append("| model | Gbit/s | N=4 | N=8 | N=16 | N=32 | N=64 |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < projection.size(); i += 5) {
            Map<String, Object> p = projection.get(i);
            md.append("| ").append(p.get("model")).append(" | ").append(p.get("gbit"));
            for (int j = i; j < i + 5; j++) {
                md.append(String.format(
                        Locale.ROOT,
                        " | %.3f s, %.0f %%",
                        (double) projection.get(j).get("step_seconds"),
                        100 * (double) projection.get(j).get("scaling_efficiency")));
            }
            md.append(" |\n");
        }
        return md.toString();
    }
}
