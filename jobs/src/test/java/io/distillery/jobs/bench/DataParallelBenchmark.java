package io.distillery.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillery.core.data.IdxReader;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelGraph;
import io.distillery.core.model.ModelSpec;
import io.distillery.jobs.CliHarness;
import io.distillery.jobs.cluster.StandaloneCluster;
import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.data.DataLoader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.SparkSession;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Data-parallel throughput on a standalone cluster of this machine (Master + 2 one-core Workers,
 * {@code cluster-conf/standalone-cluster.sh}): the default teacher trained by the real CLI with N=1
 * and N=2 workers (batch_size per worker, so N=2 takes twice the samples per step), each in a fresh
 * application so that each executor's peak resident memory belongs to that run; then a plain
 * in-process TF Java loop on the same model, batch and data as the reference.
 *
 * <p>Samples/s count the epochs after the first (warm-up: graph optimisation, first gRPC
 * connections) from the trainer's own epoch timings. Writes {@code bench/results/data-parallel.json}
 * and {@code .md}. Run with {@code bench/data-parallel.sh [rows] [epochs]}.
 */
public final class DataParallelBenchmark {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 12_800;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path root = StandaloneCluster.repoRoot();
        Path work = Files.createTempDirectory("distillery-bench-");
        JobConfig defaults = ConfigLoader.defaults();
        int batch = defaults.teacher().batchSize();
        Path conf = work.resolve("bench.yaml");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "name: bench",
                        "run_dir: " + work.resolve("runs"),
                        "data:",
                        "  limit: " + rows,
                        "  test_limit: 1000",
                        "teacher:",
                        "  epochs: " + epochs,
                        "publish:",
                        "  base_path: " + work.resolve("models"),
                        ""));

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("date", Instant.now().toString());
        results.put("command", "bench/data-parallel.sh " + rows + " " + epochs);
        results.put("cpus", Runtime.getRuntime().availableProcessors());
        results.put("load_average_at_start", loadAverage());
        results.put("model", defaults.teacher().layers());
        results.put("rows", rows);
        results.put("epochs", epochs);
        results.put("batch_size_per_worker", batch);
        results.put("cluster", "standalone, 127.0.0.1: Master + 2 Workers (1 core, 1 GiB executor heap each)");

        List<Map<String, Object>> runs = new ArrayList<>();
        try (StandaloneCluster cluster = StandaloneCluster.start(work.resolve("spark-home"), 2)) {
            for (int workers : new int[] {1, 2}) {
                runs.add(clusterRun(cluster, conf, workers, work));
            }
        } finally {
            CliHarness.stopSpark();
        }
        results.put("runs", runs);
        Map<String, Object> plain = plainLoop(defaults, rows, batch, epochs);
        results.put("plain_tf_in_process", plain);
        double n1 = (double) runs.get(0).get("samples_per_s");
        double n2 = (double) runs.get(1).get("samples_per_s");
        double p = (double) plain.get("samples_per_s");
        results.put("ratio_n2_to_n1", n2 / n1);
        results.put("ratio_n1_to_plain", n1 / p);
        results.put("ratio_n2_to_plain", n2 / p);
        results.put("load_average_at_end", loadAverage());

        Path out = root.resolve("bench/results");
        Files.createDirectories(out);
        Files.writeString(out.resolve("data-parallel.json"), JSON.writeValueAsString(results));
        String md = markdown(results, runs, plain);
        Files.writeString(out.resolve("data-parallel.md"), md);
        System.out.println();
        System.out.print(md);
    }

    private static Map<String, Object> clusterRun(StandaloneCluster cluster, Path conf, int workers, Path work)
            throws Exception {
        // A fresh application per run: new executor JVMs, so their peak RSS is this run's.
        SparkSession spark = cluster.session("distillery-bench-n" + workers, Map.of());
        CliHarness.use(spark);
        String runId = "n" + workers;
        long started = System.nanoTime();
        CliHarness.Result r = CliHarness.run(
                "teacher", "--conf", conf.toString(), "--workers", String.valueOf(workers), "--run-id", runId);
        double wall = (System.nanoTime() - started) / 1e9;
        if (r.exitCode() != 0) {
            throw new IllegalStateException("N=" + workers + " failed: " + r);
        }
        List<Long> rss = new ArrayList<>();
        for (ProcessHandle e : cluster.executors()) {
            rss.add(StandaloneCluster.peakRss(e.pid()));
        }
        CliHarness.stopSpark();

        JsonNode result = JSON.readTree(
                work.resolve("runs/" + runId + "/teacher/result.json").toFile());
        JsonNode epochsRun = result.get("epochs");
        long globalBatch = (long) workers * ConfigLoader.defaults().teacher().batchSize();
        double seconds = 0;
        long samples = 0;
        for (int i = epochsRun.size() > 1 ? 1 : 0; i < epochsRun.size(); i++) {
            seconds += epochsRun.get(i).get("seconds").asDouble();
            samples += epochsRun.get(i).get("steps").asLong() * globalBatch;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workers", workers);
        m.put("global_batch", globalBatch);
        m.put("steps", result.get("steps").asLong());
        m.put("samples_timed", samples);
        m.put("seconds_timed", seconds);
        m.put("samples_per_s", samples / seconds);
        m.put("stage_wall_seconds", result.get("seconds").asDouble());
        m.put("command_wall_seconds", wall);
        m.put("test_accuracy_1000", result.get("test_accuracy").asDouble());
        m.put("executor_peak_rss_mib", rss.stream().map(b -> b / (1024 * 1024)).toList());
        // After every epoch: throughput, and rank 0's executor threads and RSS (from its progress records).
        List<Map<String, Object>> perEpoch = new ArrayList<>();
        for (int i = 0; i < epochsRun.size(); i++) {
            JsonNode progress =
                    JSON.readTree(work.resolve(String.format(Locale.ROOT, "runs/%s/teacher/epochs/%04d.json", runId, i))
                            .toFile());
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("epoch", i + 1);
            e.put(
                    "samples_per_s",
                    Math.round(epochsRun.get(i).get("steps").asLong()
                            * globalBatch
                            / epochsRun.get(i).get("seconds").asDouble()));
            e.put("rank0_threads", progress.path("threads").asInt(-1));
            e.put("rank0_rss_mib", progress.path("rss_mib").asLong(-1));
            perEpoch.add(e);
        }
        m.put("per_epoch", perEpoch);
        System.out.printf(
                Locale.ROOT,
                "N=%d: %.0f samples/s, executor peak RSS %s MiB%n",
                workers,
                samples / seconds,
                m.get("executor_peak_rss_mib"));
        return m;
    }

    /** What a user would write with TF Java alone: same graph, Adam, batch and data, one JVM. */
    private static Map<String, Object> plainLoop(JobConfig defaults, int rows, int batch, int epochs) throws Exception {
        ModelSpec spec = defaults.teacher().modelSpec(defaults.data(), "teacher");
        IdxReader.Images images;
        int[] labels;
        try (InputStream in = new FileInputStream(DataLoader.FASHION_DIR + "/train-images-idx3-ubyte.gz")) {
            images = IdxReader.readImages(in, "train images");
        }
        try (InputStream in = new FileInputStream(DataLoader.FASHION_DIR + "/train-labels-idx1-ubyte.gz")) {
            labels = IdxReader.readLabels(in, "train labels");
        }
        int width = spec.inputSize();
        float[] x = java.util.Arrays.copyOf(images.pixels(), rows * width);
        int steps = (rows + batch - 1) / batch;
        SplittableRandom random = new SplittableRandom(1);
        double seconds = 0;
        long samples = 0;
        try (Graph graph = new Graph()) {
            ModelGraph model = ModelGraph.build(graph, spec, ModelGraph.Mode.TRAIN, 1);
            Ops tf = model.ops();
            int classes = spec.numClasses();
            Placeholder<TFloat32> targets = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, classes)));
            Operand<TFloat32> loss = tf.math.mean(
                    tf.nn.softmaxCrossEntropyWithLogits(model.logits(), targets).loss(), tf.constant(0));
            List<Variable<TFloat32>> vars = new ArrayList<>(model.variables().values());
            var grads = tf.gradients(loss, vars);
            Placeholder<TFloat32> b1 = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            Placeholder<TFloat32> b2 = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            List<Op> applies = new ArrayList<>();
            for (int i = 0; i < vars.size(); i++) {
                @SuppressWarnings("unchecked")
                Operand<TFloat32> g = (Operand<TFloat32>) (Operand<?>) grads.dy(i);
                applies.add(tf.train.applyAdam(
                        vars.get(i),
                        tf.variable(tf.zerosLike(vars.get(i))),
                        tf.variable(tf.zerosLike(vars.get(i))),
                        b1,
                        b2,
                        tf.constant(1e-3f),
                        tf.constant(0.9f),
                        tf.constant(0.999f),
                        tf.constant(1e-7f),
                        g));
            }
            Op train = tf.withControlDependencies(applies).noOp();
            try (Session session = new Session(graph)) {
                model.load(session, Initializer.glorotUniform(spec, 1));
                long step = 0;
                for (int epoch = 0; epoch < epochs; epoch++) {
                    long t0 = System.nanoTime();
                    for (int s = 0; s < steps; s++) {
                        float[] bx = new float[batch * width];
                        float[] by = new float[batch * classes];
                        for (int i = 0; i < batch; i++) {
                            int row = random.nextInt(rows);
                            System.arraycopy(x, row * width, bx, i * width, width);
                            by[i * classes + labels[row]] = 1f;
                        }
                        step++;
                        try (TFloat32 tx = TFloat32.tensorOf(Shape.of(batch, width), DataBuffers.of(bx, true, false));
                                TFloat32 ty =
                                        TFloat32.tensorOf(Shape.of(batch, classes), DataBuffers.of(by, true, false));
                                TFloat32 p1 = TFloat32.scalarOf((float) Math.pow(0.9, step));
                                TFloat32 p2 = TFloat32.scalarOf((float) Math.pow(0.999, step));
                                var r = session.runner()
                                        .feed(model.input(), tx)
                                        .feed(targets, ty)
                                        .feed(b1, p1)
                                        .feed(b2, p2)
                                        .fetch(loss)
                                        .addTarget(train)
                                        .run()) {
                            r.get(0);
                        }
                    }
                    if (epoch > 0 || epochs == 1) {
                        seconds += (System.nanoTime() - t0) / 1e9;
                        samples += (long) steps * batch;
                    }
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("threads", "TensorFlow default (all " + Runtime.getRuntime().availableProcessors() + " cores)");
        m.put("samples_timed", samples);
        m.put("seconds_timed", seconds);
        m.put("samples_per_s", samples / seconds);
        System.out.printf(Locale.ROOT, "plain TF Java in-process: %.0f samples/s%n", samples / seconds);
        return m;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "?";
        }
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> r, List<Map<String, Object>> runs, Map<String, Object> plain) {
        StringBuilder b = new StringBuilder();
        b.append("# Data-parallel training throughput\n\n");
        b.append(String.format(
                Locale.ROOT,
                "`%s` on %s (%s CPUs; load average %s at start, %s at end), %s. Default teacher %s, %d rows, %d epochs "
                        + "(the first not timed), batch_size %d per worker.%n%n",
                r.get("command"),
                r.get("date"),
                r.get("cpus"),
                r.get("load_average_at_start"),
                r.get("load_average_at_end"),
                r.get("cluster"),
                r.get("model"),
                r.get("rows"),
                r.get("epochs"),
                r.get("batch_size_per_worker")));
        b.append("| run | samples/s | vs N=1 | vs plain TF | executor peak RSS (MiB) | test acc. (1000) |\n");
        b.append("|---|---:|---:|---:|---|---:|\n");
        double n1 = (double) runs.get(0).get("samples_per_s");
        double p = (double) plain.get("samples_per_s");
        for (Map<String, Object> run : runs) {
            double s = (double) run.get("samples_per_s");
            b.append(String.format(
                    Locale.ROOT,
                    "| N=%s (global batch %s) | %.0f | %.2f× | %.2f× | %s | %.4f |%n",
                    run.get("workers"),
                    run.get("global_batch"),
                    s,
                    s / n1,
                    s / p,
                    run.get("executor_peak_rss_mib"),
                    (double) run.get("test_accuracy_1000")));
        }
        b.append(String.format(
                Locale.ROOT,
                "| plain TF Java, in-process, %s | %.0f | %.2f× | 1.00× | | |%n",
                plain.get("threads"),
                p,
                p / n1));
        b.append(
                "\nEach Distillery worker runs TensorFlow with spark.task.cpus (1) threads; the plain loop uses every core.\n");
        b.append(
                "\nAfter every epoch: samples/s, and native threads and resident memory of rank 0's executor JVM.\n\n");
        b.append("| run | epoch | samples/s | threads | RSS MiB |\n|---|---:|---:|---:|---:|\n");
        for (Map<String, Object> run : runs) {
            for (Map<String, Object> e : (List<Map<String, Object>>) run.get("per_epoch")) {
                b.append(String.format(
                        Locale.ROOT,
                        "| N=%s | %s | %s | %s | %s |%n",
                        run.get("workers"),
                        e.get("epoch"),
                        e.get("samples_per_s"),
                        e.get("rank0_threads"),
                        e.get("rank0_rss_mib")));
            }
        }
        return b.toString();
    }
}
