package io.distillery.serve.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.export.savedmodel.SavedModelWriter;
import io.distillery.publish.ModelRepository;
import io.distillery.serve.Endpoints;
import io.distillery.serve.ModelServer;
import io.distillery.serve.ServeOptions;
import io.distillery.serve.batch.BatchingOptions;
import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Load benchmark of {@code distillery serve} on 127.0.0.1: single-instance predict requests
 * ({@code {"instances": [[784 floats]]}}) from a separate client process at several concurrencies, with
 * and without batching, against in-process TF Java prediction of the same SavedModel with the same
 * number of threads. Writes {@code serve-load.json} and {@code serve-load.md} to the output folder.
 *
 * <pre>{@code serve/bench.sh [--seconds 15] [--warmup 5] [--concurrency 1,8,32] [--out bench/results]}</pre>
 */
public final class ServeBenchmark {
    static final int FEATURES = 784;
    static final ModelSpec SPEC = ModelSpec.of(new int[] {FEATURES}, 10, List.of("dense(128,relu)", "dense(10)"));
    static final int MAX_BATCH = 32;
    static final Duration BATCH_TIMEOUT = Duration.ofMillis(1);

    private ServeBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "15"));
        double warmup = Double.parseDouble(opts.getOrDefault("warmup", "5"));
        List<Integer> concurrencies = new ArrayList<>();
        for (String c : opts.getOrDefault("concurrency", "1,8,32").split(",")) {
            concurrencies.add(Integer.parseInt(c.trim()));
        }
        Path out = Path.of(opts.getOrDefault("out", "bench/results"));
        Files.createDirectories(out);

        Path work = Files.createTempDirectory("serve-bench-");
        Path export = work.resolve("export");
        SavedModelWriter.write(SPEC, Initializer.glorotUniform(SPEC, 7), export);
        URI model = work.resolve("models/bench").toUri();
        try (ModelRepository repo = ModelRepository.open(model, new Configuration())) {
            repo.publish(export, "bench", Map.of());
        }
        float[] x = new float[FEATURES];
        Random random = new Random(1);
        for (int i = 0; i < FEATURES; i++) {
            x[i] = random.nextFloat();
        }
        Path body = work.resolve("body.json");
        Files.writeString(body, instancesJson(x), StandardCharsets.UTF_8);

        Map<Integer, LatencyStats> inProcess = new LinkedHashMap<>();
        for (int c : concurrencies) {
            inProcess.put(c, inProcess(export, x, c, warmup, seconds));
            print("in-process TF Java", c, inProcess.get(c), null);
        }
        Map<String, Map<Integer, LatencyStats>> served = new LinkedHashMap<>();
        for (boolean batching : new boolean[] {false, true}) {
            String name = batching
                    ? "REST, batching (max " + MAX_BATCH + ", " + BATCH_TIMEOUT.toMillis() + " ms)"
                    : "REST, no batching";
            ServeOptions options = ServeOptions.of(model)
                    .withEndpoints(new Endpoints("127.0.0.1", 0, OptionalInt.empty()))
                    .withBatching(
                            batching ? Optional.of(BatchingOptions.of(MAX_BATCH, BATCH_TIMEOUT)) : Optional.empty());
            Map<Integer, LatencyStats> runs = new LinkedHashMap<>();
            try (ModelServer server = ModelServer.start(options, new Configuration())) {
                String url = "http://127.0.0.1:" + server.restPort() + "/v1/models/bench:predict";
                for (int c : concurrencies) {
                    runs.put(c, client(url, body, c, warmup, seconds));
                    print(name, c, runs.get(c), inProcess.get(c));
                }
            }
            served.put(name, runs);
        }
        write(out, concurrencies, inProcess, served, seconds, warmup);
        deleteTree(work);
    }

    /** Single-row calls of the SavedModel's serving_default from {@code threads} threads, as a server makes them. */
    static LatencyStats inProcess(Path export, float[] x, int threads, double warmup, double seconds) throws Exception {
        try (SavedModelBundle bundle = SavedModelBundle.load(export.toString(), "serve")) {
            SessionFunction function = bundle.function(SavedModelWriter.SIGNATURE);
            long start = System.nanoTime();
            long measureFrom = start + (long) (warmup * 1e9);
            long measureUntil = measureFrom + (long) (seconds * 1e9);
            long[][] latencies = new long[threads][1 << 16];
            int[] counts = new int[threads];
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                Thread worker = new Thread(() -> {
                    float[] out = new float[10];
                    while (true) {
                        long sent = System.nanoTime();
                        if (sent >= measureUntil) {
                            break;
                        }
                        try (TFloat32 input = TFloat32.tensorOf(Shape.of(1, FEATURES), DataBuffers.of(x, true, false));
                                Result result = function.call(Map.of(SavedModelWriter.INPUT_KEY, input))) {
                            ((TFloat32) result.get(SavedModelWriter.OUTPUT_KEY).orElseThrow())
                                    .copyTo(DataBuffers.of(out, false, false));
                        }
                        long done = System.nanoTime();
                        if (sent >= measureFrom && done <= measureUntil) {
                            if (counts[me] == latencies[me].length) {
                                latencies[me] = java.util.Arrays.copyOf(latencies[me], latencies[me].length * 2);
                            }
                            latencies[me][counts[me]++] = done - sent;
                        }
                    }
                });
                workers.add(worker);
                worker.start();
            }
            for (Thread worker : workers) {
                worker.join();
            }
            int total = java.util.Arrays.stream(counts).sum();
            long[] all = new long[total];
            int at = 0;
            for (int t = 0; t < threads; t++) {
                System.arraycopy(latencies[t], 0, all, at, counts[t]);
                at += counts[t];
            }
            return LatencyStats.of(all, total, 0, seconds);
        }
    }

    /** Runs {@link LoadClient} as its own JVM and reads its one JSON line. */
    static LatencyStats client(String url, Path body, int concurrency, double warmup, double seconds) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(
                        java,
                        "-Xmx512m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        LoadClient.class.getName(),
                        url,
                        body.toString(),
                        Integer.toString(concurrency),
                        Double.toString(warmup),
                        Double.toString(seconds))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor((long) (warmup + seconds + 120), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the load client did not finish");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("the load client failed (exit " + process.exitValue() + "): " + output);
        }
        String last = output.substring(output.lastIndexOf('\n') + 1);
        return LatencyStats.fromMap(new ObjectMapper().readValue(last, Map.class));
    }

    private static void write(
            Path out,
            List<Integer> concurrencies,
            Map<Integer, LatencyStats> inProcess,
            Map<String, Map<Integer, LatencyStats>> served,
            double seconds,
            double warmup)
            throws Exception {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "distillery serve load (serve/bench.sh)");
        json.put("date", Instant.now().toString());
        json.put(
                "machine",
                Map.of(
                        "cores",
                        Runtime.getRuntime().availableProcessors(),
                        "cpu",
                        cpuModel(),
                        "java",
                        System.getProperty("java.version")));
        json.put("model", "784-128-10 MLP (dense(128,relu), dense(10)), SavedModel serving_default, float32");
        json.put(
                "request",
                "POST /v1/models/bench:predict {\"instances\": [[784 floats]]}, one instance, ~" + instancesJsonLength()
                        + " bytes of JSON");
        json.put(
                "client",
                "LoadClient, its own JVM on 127.0.0.1: one thread and one keep-alive HTTP/1.1 connection per"
                        + " concurrent request, closed loop");
        json.put("warmup_seconds", warmup);
        json.put("measured_seconds", seconds);
        Map<String, Object> runs = new LinkedHashMap<>();
        runs.put("in-process TF Java", byConcurrency(inProcess, null));
        served.forEach((name, byC) -> runs.put(name, byConcurrency(byC, inProcess)));
        json.put("runs", runs);
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(out.resolve("serve-load.json").toFile(), json);

        StringBuilder md = new StringBuilder();
        md.append("# distillery serve: load benchmark\n\n")
                .append("`serve/bench.sh` on ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores (")
                .append(cpuModel())
                .append("), Java ")
                .append(System.getProperty("java.version"))
                .append(", ")
                .append(json.get("date"))
                .append(".\n")
                .append("Model: ")
                .append(json.get("model"))
                .append(". Each request: one instance, `{\"instances\": [[784" + " floats]]}` (~")
                .append(instancesJsonLength())
                .append(" bytes). Client: ")
                .append(json.get("client"))
                .append("; server and client share the machine's cores. ")
                .append(String.format(Locale.ROOT, "%.0f s warm-up, %.0f s measured per row.%n%n", warmup, seconds))
                .append("| setup | concurrency | requests/s | p50 ms | p99 ms | errors | vs in-process |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (int c : concurrencies) {
            row(md, "in-process TF Java (SavedModel, same threads)", c, inProcess.get(c), null);
        }
        served.forEach((name, byC) -> concurrencies.forEach(c -> row(md, name, c, byC.get(c), inProcess.get(c))));
        md.append(
                "\n\"vs in-process\" is the server's requests/s over in-process TF Java's at the same concurrency.\n");
        Files.writeString(out.resolve("serve-load.md"), md.toString(), StandardCharsets.UTF_8);
        System.out.println(md);
        System.out.println("wrote " + out.resolve("serve-load.json") + " and " + out.resolve("serve-load.md"));
    }

    private static Map<String, Object> byConcurrency(Map<Integer, LatencyStats> runs, Map<Integer, LatencyStats> base) {
        Map<String, Object> out = new LinkedHashMap<>();
        runs.forEach((c, stats) -> {
            Map<String, Object> entry = stats.toMap();
            if (base != null) {
                entry.put(
                        "ratio_to_in_process",
                        LatencyStats.round(
                                stats.requestsPerSecond() / base.get(c).requestsPerSecond()));
            }
            out.put("concurrency_" + c, entry);
        });
        return out;
    }

    private static void row(StringBuilder md, String name, int c, LatencyStats s, LatencyStats base) {
        md.append(String.format(
                Locale.ROOT,
                "| %s | %d | %.0f | %.2f | %.2f | %d | %s |%n",
                name,
                c,
                s.requestsPerSecond(),
                s.p50Ms(),
                s.p99Ms(),
                s.errors(),
                base == null
                        ? "1"
                        : String.format(Locale.ROOT, "%.2f", s.requestsPerSecond() / base.requestsPerSecond())));
    }

    private static void print(String name, int c, LatencyStats s, LatencyStats base) {
        System.out.printf(
                Locale.ROOT,
                "%-40s c=%-3d %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d%s%n",
                name,
                c,
                s.requestsPerSecond(),
                s.p50Ms(),
                s.p99Ms(),
                s.errors(),
                base == null
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                "  (%.2f of in-process)",
                                s.requestsPerSecond() / base.requestsPerSecond()));
    }

    static String instancesJson(float[] x) {
        StringBuilder json = new StringBuilder("{\"instances\": [[");
        for (int i = 0; i < x.length; i++) {
            json.append(i == 0 ? "" : ", ").append(x[i]);
        }
        return json.append("]]}").toString();
    }

    private static int instancesJsonLength() {
        float[] x = new float[FEATURES];
        Random random = new Random(1);
        for (int i = 0; i < FEATURES; i++) {
            x[i] = random.nextFloat();
        }
        return instancesJson(x).length();
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (Exception e) {
            // not Linux: leave it out
        }
        return "unknown CPU";
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, found " + args[i]);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        return opts;
    }

    private static void deleteTree(Path dir) throws Exception {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }
}
