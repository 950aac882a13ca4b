package io.distillery.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillery.core.data.Columns;
import io.distillery.core.data.IdxReader;
import io.distillery.core.data.Shard;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.core.train.CollectiveWorker;
import io.distillery.core.train.EpochMetrics;
import io.distillery.core.train.Loss;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.ProcessStats;
import io.distillery.core.train.Replica;
import io.distillery.core.train.Trainer;
import io.distillery.core.train.TrainingLoop;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Training throughput of Distillery's loop (Arrow shard → batch gather → bulk feed → Trainer) against a
 * plain in-process TF Java loop on the same model and batch size, measured in one run with the two
 * interleaved (A B A B ...) so machine noise hits both; then a longer run by one worker and by two
 * data-parallel workers, with throughput, native threads and resident memory after every epoch, to
 * catch per-step leaks.
 *
 * <p>Usage: {@code bin/bench training [steps] [rounds] [memoryEpochs]} (0 epochs: throughput only).
 */
public final class TrainingLoopBenchmark {
    static final String DATA = "/usr/share/datasets/fashion-mnist";
    static final List<String> TEACHER = List.of(
            "conv2d(32,3,relu,same)",
            "maxpool(2)",
            "conv2d(64,3,relu,same)",
            "maxpool(2)",
            "flatten",
            "dense(128,relu)",
            "dense(10)");
    static final List<String> STUDENT = List.of("flatten", "dense(128,relu)", "dense(10)");
    /** The smallest student of the default search (width 0.25): where per-step overhead weighs most. */
    static final List<String> SEARCH_SMALLEST = List.of("flatten", "dense(32,relu)", "dense(10)");

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int memoryEpochs = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int batch = 128;
        IdxReader.Images images;
        int[] labels;
        try (InputStream in = new FileInputStream(DATA + "/train-images-idx3-ubyte.gz")) {
            images = IdxReader.readImages(in, "train images");
        }
        try (InputStream in = new FileInputStream(DATA + "/train-labels-idx1-ubyte.gz")) {
            labels = IdxReader.readLabels(in, "train labels");
        }
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("date", Instant.now().toString());
        results.put("command", "bin/bench training " + steps + " " + rounds + " " + memoryEpochs);
        results.put("cpus", Runtime.getRuntime().availableProcessors());
        List<Map<String, Object>> throughput = Stream.of(TEACHER, STUDENT, SEARCH_SMALLEST)
                .map(layers -> throughput(layers, images, labels, batch, steps, rounds))
                .toList();
        results.put("throughput", throughput);
        List<Map<String, Object>> longRuns = new ArrayList<>();
        for (int workers : memoryEpochs > 0 ? new int[] {1, 2} : new int[0]) {
            longRuns.add(longRun(images, labels, batch, memoryEpochs, workers));
        }
        results.put("long_runs", longRuns);

        System.out.println();
        System.out.println("Training throughput, samples/s (batch " + batch + ", " + steps + " steps × " + rounds
                + " rounds each, interleaved)");
        System.out.printf(Locale.ROOT, "%-12s %12s %12s %8s%n", "model", "distillery", "plain TF", "ratio");
        for (Map<String, Object> t : throughput) {
            System.out.printf(
                    Locale.ROOT,
                    "%-12s %12.0f %12.0f %8.3f%n",
                    t.get("model"),
                    t.get("distillery_samples_per_s"),
                    t.get("plain_tf_samples_per_s"),
                    t.get("ratio"));
        }
        System.out.println();
        System.out.println("Student on the full data, after each epoch (threads and RSS of the whole JVM)");
        System.out.printf(
                Locale.ROOT,
                "%-8s %6s %8s %12s %8s %9s%n",
                "workers",
                "epoch",
                "steps",
                "samples/s",
                "threads",
                "RSS MiB");
        for (Map<String, Object> run : longRuns) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> epochs = (List<Map<String, Object>>) run.get("per_epoch");
            for (Map<String, Object> e : epochs) {
                System.out.printf(
                        Locale.ROOT,
                        "%-8s %6s %8s %12s %8s %9s%n",
                        run.get("workers"),
                        e.get("epoch"),
                        e.get("steps"),
                        e.get("samples_per_s"),
                        e.get("threads"),
                        e.get("rss_mib"));
            }
            System.out.printf(
                    Locale.ROOT,
                    "%d worker(s), epoch 2 → last: threads %+.1f%%, RSS %+.1f%%%n",
                    run.get("workers"),
                    run.get("threads_growth_percent_epoch2_to_last"),
                    run.get("rss_growth_percent_epoch2_to_last"));
        }

        Path out = Path.of(args.length > 3 ? args[3] : "bench/results/training-loop.json");
        Files.createDirectories(out.getParent());
        Files.writeString(
                out,
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
        System.out.println("wrote " + out);
    }

    static Map<String, Object> throughput(
            List<String> layers, IdxReader.Images images, int[] labels, int batch, int steps, int rounds) {
        boolean conv = layers.get(0).startsWith("conv");
        ModelSpec spec = ModelSpec.of(new int[] {28, 28, 1}, 10, layers);
        Weights init = Initializer.glorotUniform(spec, 7);
        double distillerySeconds = 0;
        double plainSeconds = 0;
        long samples = (long) steps * batch;
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = Shard.builder(allocator, labels.length)
                        .floatColumn(Columns.FEATURES, 784)
                        .put(Columns.FEATURES, images.pixels())
                        .labels(labels)
                        .build();
                Trainer trainer =
                        new Trainer(Trainer.Options.local(spec, Loss.crossEntropy(), OptimizerSpec.adam(1e-3), 7));
                PlainTfLoop plain = new PlainTfLoop(spec, init, 1e-3)) {
            trainer.load(init);
            SplittableRandom random = new SplittableRandom(3);
            // Warm-up both (graph optimisation, allocator pools).
            TrainingLoop.run(trainer, shard, new TrainingLoop.Plan(1, batch, 10, 1), new TrainingLoop.Listener() {});
            for (int i = 0; i < 10; i++) {
                plain.step(images.pixels(), labels, 784, PlainTfLoop.batch(random, labels.length, batch));
            }
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                // One "epoch" of exactly `steps` steps, continuing from the trainer's step counter.
                int epochsDone = (int) (trainer.step() / steps) + 1;
                TrainingLoop.run(
                        trainer,
                        shard,
                        new TrainingLoop.Plan(epochsDone, batch, steps, r + 2),
                        new TrainingLoop.Listener() {});
                distillerySeconds += (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    plain.step(images.pixels(), labels, 784, PlainTfLoop.batch(random, labels.length, batch));
                }
                plainSeconds += (System.nanoTime() - t1) / 1e9;
                System.out.printf(
                        Locale.ROOT,
                        "%s round %d: distillery %.1f s, plain %.1f s%n",
                        conv ? "teacher" : String.join(" ", layers),
                        r + 1,
                        distillerySeconds,
                        plainSeconds);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", conv ? "teacher CNN" : layers.equals(SEARCH_SMALLEST) ? "search smallest" : "student MLP");
        m.put("layers", layers);
        m.put("samples_each", samples * rounds);
        m.put("distillery_samples_per_s", samples * rounds / distillerySeconds);
        m.put("plain_tf_samples_per_s", samples * rounds / plainSeconds);
        m.put("ratio", plainSeconds / distillerySeconds);
        return m;
    }

    /**
     * A longer run of the student on the full data, by one worker and by two data-parallel workers in
     * this JVM (two TF servers, one all-reduce per step, as in Spark's local mode): throughput, native
     * threads and resident memory after every epoch. A leak per step or per all-reduce shows as growth.
     */
    static Map<String, Object> longRun(IdxReader.Images images, int[] labels, int batch, int epochs, int workers)
            throws Exception {
        ModelSpec spec = ModelSpec.of(new int[] {28, 28, 1}, 10, STUDENT);
        List<Map<String, Object>> perEpoch = Collections.synchronizedList(new ArrayList<>());
        int rows = labels.length / workers;
        List<String> addresses = new ArrayList<>();
        if (workers > 1) {
            List<ServerSocket> reserved = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                ServerSocket socket = CollectiveWorker.reservePort("127.0.0.1");
                reserved.add(socket);
                addresses.add("127.0.0.1:" + socket.getLocalPort());
            }
            for (ServerSocket socket : reserved) {
                socket.close();
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try (BufferAllocator allocator = new RootAllocator()) {
            List<Future<?>> running = new ArrayList<>();
            for (int rank = 0; rank < workers; rank++) {
                int r = rank;
                running.add(pool.submit(() -> {
                    Replica replica = workers == 1
                            ? Replica.LOCAL
                            : CollectiveWorker.start(new CollectiveWorker.Spec(addresses, r, 120_000, "", 1))
                                    .replica();
                    float[] pixels =
                            java.util.Arrays.copyOfRange(images.pixels(), r * rows * 784, (r + 1) * rows * 784);
                    int[] y = java.util.Arrays.copyOfRange(labels, r * rows, (r + 1) * rows);
                    try (Shard shard = Shard.builder(allocator, rows)
                                    .floatColumn(Columns.FEATURES, 784)
                                    .put(Columns.FEATURES, pixels)
                                    .labels(y)
                                    .build();
                            Trainer trainer = new Trainer(
                                    Trainer.Options.local(spec, Loss.crossEntropy(), OptimizerSpec.adam(1e-3), 7)
                                            .withReducer(replica.reducer(), replica.sessions()))) {
                        trainer.load(Initializer.glorotUniform(spec, 7));
                        TrainingLoop.run(
                                trainer,
                                shard,
                                new TrainingLoop.Plan(epochs, batch, 0, 5),
                                new TrainingLoop.Listener() {
                                    @Override
                                    public void afterEpoch(Trainer t, EpochMetrics m) {
                                        if (r != 0) {
                                            return;
                                        }
                                        Map<String, Object> e = new LinkedHashMap<>();
                                        e.put("epoch", m.epoch() + 1);
                                        e.put("steps", t.step());
                                        e.put("samples_per_s", Math.round(m.examples() * workers / m.seconds()));
                                        e.put("threads", ProcessStats.threads());
                                        e.put("rss_mib", Math.round(ProcessStats.residentBytes() / 1048576.0));
                                        perEpoch.add(e);
                                        System.out.printf(
                                                Locale.ROOT,
                                                "%d worker(s), epoch %d: loss %.4f, %s samples/s, %s threads, RSS %s MiB%n",
                                                workers,
                                                m.epoch() + 1,
                                                m.loss(),
                                                e.get("samples_per_s"),
                                                e.get("threads"),
                                                e.get("rss_mib"));
                                    }
                                });
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workers", workers);
        m.put("epochs", epochs);
        m.put("per_epoch", perEpoch);
        m.put("threads_growth_percent_epoch2_to_last", growth(perEpoch, "threads"));
        m.put("rss_growth_percent_epoch2_to_last", growth(perEpoch, "rss_mib"));
        m.put("peak_rss_mib", Math.round(ProcessStats.peakResidentBytes() / 1048576.0));
        return m;
    }

    static double growth(List<Map<String, Object>> perEpoch, String key) {
        if (perEpoch.size() < 2) {
            return 0;
        }
        double second = ((Number) perEpoch.get(1).get(key)).doubleValue();
        double last = ((Number) perEpoch.get(perEpoch.size() - 1).get(key)).doubleValue();
        return 100 * (last - second) / second;
    }
}
