package io.distillery.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillery.core.data.Columns;
import io.distillery.core.data.IdxReader;
import io.distillery.core.data.Shard;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.core.train.EpochMetrics;
import io.distillery.core.train.Loss;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.Trainer;
import io.distillery.core.train.TrainingLoop;
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
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Training throughput of Distillery's loop (Arrow shard → batch gather → bulk feed → Trainer) against a
 * plain in-process TF Java loop on the same model and batch size, measured in one run with the two
 * interleaved (A B A B ...) so machine noise hits both; then resident memory after every epoch of a
 * longer Distillery run, to catch per-step leaks.
 *
 * <p>Usage: {@code bin/bench training [steps] [rounds] [memoryEpochs]}.
 */
public final class TrainingLoopBenchmark {
  static final String DATA = "/usr/share/datasets/fashion-mnist";
  static final List<String> TEACHER =
      List.of("conv2d(32,3,relu,same)", "maxpool(2)", "conv2d(64,3,relu,same)", "maxpool(2)", "flatten", "dense(128,relu)", "dense(10)");
  static final List<String> STUDENT = List.of("flatten", "dense(128,relu)", "dense(10)");

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
    List<Map<String, Object>> throughput = new ArrayList<>();
    for (List<String> layers : List.of(TEACHER, STUDENT)) {
      throughput.add(throughput(layers, images, labels, batch, steps, rounds));
    }
    results.put("throughput", throughput);
    results.put("memory", memory(images, labels, batch, memoryEpochs));

    System.out.println();
    System.out.println("Training throughput, samples/s (batch " + batch + ", " + steps + " steps × " + rounds + " rounds each, interleaved)");
    System.out.printf(Locale.ROOT, "%-12s %12s %12s %8s%n", "model", "distillery", "plain TF", "ratio");
    for (Map<String, Object> t : throughput) {
      System.out.printf(Locale.ROOT, "%-12s %12.0f %12.0f %8.3f%n", t.get("model"), t.get("distillery_samples_per_s"),
          t.get("plain_tf_samples_per_s"), t.get("ratio"));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> mem = (Map<String, Object>) results.get("memory");
    System.out.println();
    System.out.println("Resident memory after each epoch (student, full data): " + mem.get("rss_mib_per_epoch") + " MiB");
    System.out.printf(Locale.ROOT, "peak RSS %s MiB; growth epoch 2 → last: %.2f%%%n", mem.get("peak_rss_mib"), mem.get("growth_percent_epoch2_to_last"));

    Path out = Path.of(args.length > 3 ? args[3] : "bench/results/training-loop.json");
    Files.createDirectories(out.getParent());
    Files.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
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
        Shard shard = Shard.builder(allocator, labels.length).floatColumn(Columns.FEATURES, 784)
            .put(Columns.FEATURES, images.pixels()).labels(labels).build();
        Trainer trainer = new Trainer(Trainer.Options.local(spec, Loss.crossEntropy(), OptimizerSpec.adam(1e-3), 7));
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
        TrainingLoop.run(trainer, shard, new TrainingLoop.Plan(epochsDone, batch, steps, r + 2), new TrainingLoop.Listener() {});
        distillerySeconds += (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          plain.step(images.pixels(), labels, 784, PlainTfLoop.batch(random, labels.length, batch));
        }
        plainSeconds += (System.nanoTime() - t1) / 1e9;
        System.out.printf(Locale.ROOT, "%s round %d: distillery %.1f s, plain %.1f s%n", conv ? "teacher" : "student", r + 1,
            distillerySeconds, plainSeconds);
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", conv ? "teacher CNN" : "student MLP");
    m.put("layers", layers);
    m.put("samples_each", samples * rounds);
    m.put("distillery_samples_per_s", samples * rounds / distillerySeconds);
    m.put("plain_tf_samples_per_s", samples * rounds / plainSeconds);
    m.put("ratio", plainSeconds / distillerySeconds);
    return m;
  }

  static Map<String, Object> memory(IdxReader.Images images, int[] labels, int batch, int epochs) {
    ModelSpec spec = ModelSpec.of(new int[] {28, 28, 1}, 10, STUDENT);
    List<Double> rss = new ArrayList<>();
    try (BufferAllocator allocator = new RootAllocator();
        Shard shard = Shard.builder(allocator, labels.length).floatColumn(Columns.FEATURES, 784)
            .put(Columns.FEATURES, images.pixels()).labels(labels).build();
        Trainer trainer = new Trainer(Trainer.Options.local(spec, Loss.crossEntropy(), OptimizerSpec.adam(1e-3), 7))) {
      trainer.load(Initializer.glorotUniform(spec, 7));
      TrainingLoop.run(trainer, shard, new TrainingLoop.Plan(epochs, batch, 0, 5), new TrainingLoop.Listener() {
        @Override
        public void afterEpoch(Trainer t, EpochMetrics m) {
          System.gc();
          rss.add(Rss.current() / 1048576.0);
          System.out.printf(Locale.ROOT, "memory epoch %d: loss %.4f, RSS %.0f MiB%n", m.epoch() + 1, m.loss(), rss.get(rss.size() - 1));
        }
      });
    }
    Map<String, Object> m = new LinkedHashMap<>();
    List<Long> rounded = rss.stream().map(Math::round).toList();
    m.put("epochs", epochs);
    m.put("rss_mib_per_epoch", rounded);
    m.put("peak_rss_mib", Math.round(Rss.peak() / 1048576.0));
    double growth = rss.size() >= 2 ? 100 * (rss.get(rss.size() - 1) - rss.get(1)) / rss.get(1) : 0;
    m.put("growth_percent_epoch2_to_last", growth);
    return m;
  }
}
