package io.distillery.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.distillery.core.data.Columns;
import io.distillery.core.data.IdxReader;
import io.distillery.core.data.Shard;
import io.distillery.core.model.Flops;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.train.Loss;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.ProcessStats;
import io.distillery.core.train.Trainer;
import java.io.FileInputStream;
import java.io.IOException;
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
import org.apache.arrow.vector.VectorSchemaRoot;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;

/**
 * The teacher's training FLOP rate against the machine's practical limit, a large float32 matmul in
 * TF Java, measured in one run with the blocks interleaved (teacher, matmul 1024, matmul 2048, student;
 * again ...) so that the noise of a shared machine hits all of them.
 *
 * <p>The models are the {@code teacher.layers} and {@code student.layers} (with their {@code
 * batch_size} and {@code learning_rate}, Adam) read from {@code cluster-conf/distillery-defaults.yaml}.
 * A model's step is Distillery's training step as {@code TrainingLoop} takes it: gather a batch from an
 * Arrow shard, then {@link Trainer#step}. Its FLOPs are {@link Flops#training} (3× the forward pass,
 * the usual convention); {@link Flops#trainingExecuted} (without the first layer's input gradient,
 * which TensorFlow never computes) goes into the JSON too.
 *
 * <p>Both the trainers and the matmul sessions use TensorFlow's default session options, as {@code
 * Trainer.Options.local} does ({@code Session::new}): intra- and inter-op pools of one thread per
 * core. The matmul multiplies two fed {@code n×n} tensors (placeholders, so nothing is constant-folded)
 * and runs the product as a target (no copy of the result to Java); one product is {@code 2·n³} FLOPs.
 * The practical limit is the faster of the two sizes.
 *
 * <p>Usage: {@code bin/bench flops [steps] [rounds]}: {@code steps} training steps per model per round
 * (after 10 warm-up steps); each matmul block does as many FLOPs as a teacher block, after 2 warm-up
 * products.
 */
public final class FlopRateBenchmark {
    static final Path DEFAULTS = Path.of("cluster-conf/distillery-defaults.yaml");
    static final int WARMUP_STEPS = 10;
    static final int[] MATMUL_SIZES = {1024, 2048};

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path outDir = Path.of(args.length > 2 ? args[2] : "bench/results");
        JsonNode defaults = new ObjectMapper(new YAMLFactory()).readTree(DEFAULTS.toFile());

        IdxReader.Images images;
        int[] labels;
        try (InputStream in = new FileInputStream(TrainingLoopBenchmark.DATA + "/train-images-idx3-ubyte.gz")) {
            images = IdxReader.readImages(in, "train images");
        }
        try (InputStream in = new FileInputStream(TrainingLoopBenchmark.DATA + "/train-labels-idx1-ubyte.gz")) {
            labels = IdxReader.readLabels(in, "train labels");
        }

        List<Block> blocks = new ArrayList<>();
        Profile profile;
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = Shard.builder(allocator, labels.length)
                        .floatColumn(Columns.FEATURES, 784)
                        .put(Columns.FEATURES, images.pixels())
                        .labels(labels)
                        .build()) {
            ModelBlock teacher = new ModelBlock("teacher CNN", defaults.path("teacher"), shard, steps);
            blocks.add(teacher);
            long teacherBlockFlops = teacher.flopsPerStep * steps;
            for (int n : MATMUL_SIZES) {
                blocks.add(MatmulBlock.square(n, teacherBlockFlops));
            }
            // The teacher's biggest forward product as a GEMM (a convolution as im2col sees it).
            int[] mkn = teacher.biggestGemm();
            blocks.add(new MatmulBlock(
                    "matmul " + teacher.biggestLayer() + "-shaped", mkn[0], mkn[1], mkn[2], false, teacherBlockFlops));
            blocks.add(new ModelBlock("student MLP", defaults.path("student"), shard, steps));
            try {
                for (Block b : blocks) {
                    b.warmUp();
                }
                for (int r = 0; r < rounds; r++) {
                    StringBuilder line = new StringBuilder("round " + (r + 1) + ":");
                    for (Block b : blocks) {
                        double s = b.timed();
                        line.append(
                                String.format(Locale.ROOT, "  %s %.2f s (%.1f GFLOP/s)", b.name, s, b.work / s / 1e9));
                    }
                    System.out.println(line);
                }
                profile = profile(
                        teacher,
                        images,
                        labels,
                        defaults.path("teacher").path("learning_rate").asDouble(1e-3),
                        blocks.stream()
                                .filter(b -> b instanceof MatmulBlock mm && mm.limit)
                                .toList());
            } finally {
                for (Block b : blocks) {
                    b.close();
                }
            }
        }
        report(blocks, profile, steps, rounds, outDir);
    }

    /** Where the teacher's step goes, op type by op type, and the matmul limit measured right after. */
    record Profile(double wallMs, Map<String, Double> msByType, Map<String, Long> flopsByType, double limitGflops) {}

    static final int PROFILE_STEPS = 20;

    /**
     * Traces {@value #PROFILE_STEPS} teacher steps in the plain TF Java loop (same {@code ModelGraph},
     * Adam and default session as the trainer; the trainer's session is not reachable from here), then
     * times each square matmul once more for the limit at that moment. FLOPs are attributed to the op
     * types that carry the products: forward convolutions, the two convolution gradients (the first
     * conv2d layer has no input gradient when it is the first weighted layer), and the dense layers'
     * MatMuls (forward and both gradients).
     */
    static Profile profile(
            ModelBlock teacher, IdxReader.Images images, int[] labels, double learningRate, List<Block> matmuls) {
        ModelSpec spec = teacher.spec;
        List<Long> products = Flops.productsPerLayer(spec);
        long conv = 0;
        long dense = 0;
        for (int i = 0; i < products.size(); i++) {
            if (spec.layers().get(i) instanceof LayerSpec.Conv2D) {
                conv += products.get(i);
            } else if (spec.layers().get(i) instanceof LayerSpec.Dense) {
                dense += products.get(i);
            }
        }
        int firstWeighted = 0;
        while (products.get(firstWeighted) == 0) {
            firstWeighted++;
        }
        LayerSpec first = spec.layers().get(firstWeighted);
        long firstProduct = Flops.firstProduct(spec);
        long batch = teacher.batch;
        Map<String, Double> ms;
        try (PlainTfLoop plain = new PlainTfLoop(spec, Initializer.glorotUniform(spec, 7), learningRate)) {
            SplittableRandom random = new SplittableRandom(5);
            for (int i = 0; i < WARMUP_STEPS; i++) {
                plain.step(images.pixels(), labels, 784, PlainTfLoop.batch(random, labels.length, teacher.batch));
            }
            ms = plain.profile(images.pixels(), labels, 784, random, teacher.batch, PROFILE_STEPS);
        }
        double limit = 0;
        for (Block b : matmuls) {
            limit = Math.max(limit, b.work / b.run() / 1e9);
        }
        double wall = ms.remove("(wall)");
        Map<String, Long> flops = new LinkedHashMap<>();
        for (String type : ms.keySet()) {
            if (type.contains("Conv2DBackpropInput")) {
                flops.put(type, batch * (conv - (first instanceof LayerSpec.Conv2D ? firstProduct : 0)));
            } else if (type.contains("Conv2DBackpropFilter")) {
                flops.put(type, batch * conv);
            } else if (type.contains("Conv2D")) {
                flops.put(type, batch * conv);
            } else if (type.contains("MatMul")) {
                flops.put(type, batch * (3 * dense - (first instanceof LayerSpec.Dense ? firstProduct : 0)));
            }
        }
        return new Profile(wall, ms, flops, limit);
    }

    static void report(List<Block> blocks, Profile profile, int steps, int rounds, Path outDir) throws IOException {
        double limit = blocks.stream()
                .filter(b -> b instanceof MatmulBlock mm && mm.limit)
                .mapToDouble(Block::gflops)
                .max()
                .orElseThrow();
        String command = "bin/bench flops " + steps + " " + rounds;
        String cpu = cpuModel();
        int cpus = Runtime.getRuntime().availableProcessors();

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("command", command);
        results.put("date", Instant.now().toString());
        results.put("cpu_model", cpu);
        results.put("cpus", cpus);
        results.put(
                "session_threads",
                Map.of(
                        "config",
                        "TensorFlow defaults (Session::new, as Trainer.Options.local) for trainers and matmul alike",
                        "intra_op_parallelism_threads",
                        0,
                        "inter_op_parallelism_threads",
                        0,
                        "meaning",
                        "0 = one thread per core (" + cpus + ")"));
        results.put("process_threads_at_end", ProcessStats.threads());
        results.put(
                "flops_convention",
                "multiply-add = 2 FLOPs; training step = 3 x forward (io.distillery.core.model.Flops);"
                        + " matmul n x n = 2 n^3");
        results.put("rounds", rounds);
        results.put("matmul_limit_gflops_per_s", limit);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Block b : blocks) {
            Map<String, Object> m = b.json();
            m.put("gflops_per_s", b.gflops());
            m.put("percent_of_matmul_limit", 100 * b.gflops() / limit);
            m.put("per_round_seconds", b.seconds);
            rows.add(m);
        }
        results.put("blocks", rows);
        ModelBlock teacher = (ModelBlock) blocks.get(0);
        MatmulBlock shaped = (MatmulBlock) blocks.stream()
                .filter(b -> b instanceof MatmulBlock mm && !mm.limit)
                .findFirst()
                .orElseThrow();
        results.put("teacher_percent_of_matmul_limit", 100 * teacher.gflops() / limit);
        List<Double> perRound = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            int round = r;
            double best = blocks.stream()
                    .filter(b -> b instanceof MatmulBlock mm && mm.limit)
                    .mapToDouble(b -> b.work / b.seconds.get(round))
                    .max()
                    .orElseThrow();
            perRound.add(100 * teacher.work / teacher.seconds.get(r) / best);
        }
        double medianPercent = perRound.stream().sorted().toList().get(rounds / 2);
        results.put("teacher_percent_of_matmul_limit_per_round", perRound);
        results.put("teacher_percent_of_matmul_limit_median_round", medianPercent);
        results.put("target_percent", 60);
        results.put("target_met", 100 * teacher.gflops() / limit >= 60);

        StringBuilder md = new StringBuilder();
        md.append("# Training FLOP rate against a large matmul\n\n");
        md.append("Command: `")
                .append(command)
                .append("` (")
                .append(results.get("date"))
                .append("), ")
                .append(cpu)
                .append(", ")
                .append(cpus)
                .append(" cores; TensorFlow's default session threads (one per core) for every block; blocks")
                .append(" interleaved ")
                .append(rounds)
                .append(" times. FLOPs: multiply-add = 2, training step = 3 × forward (`Flops.training`),")
                .append(" matmul 2·n³.\n\n");
        md.append("| block | FLOPs/step | steps/s | GFLOP/s | % of matmul |\n|---|---:|---:|---:|---:|\n");
        System.out.println();
        System.out.printf(
                Locale.ROOT, "%-24s %16s %10s %10s %12s%n", "block", "FLOPs/step", "steps/s", "GFLOP/s", "% of matmul");
        for (Block b : blocks) {
            double stepsPerS = b.steps * b.seconds.size() / b.totalSeconds();
            System.out.printf(
                    Locale.ROOT,
                    "%-24s %,16d %10.2f %10.1f %11.1f%%%n",
                    b.name,
                    b.flopsPerStep,
                    stepsPerS,
                    b.gflops(),
                    100 * b.gflops() / limit);
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %,d | %.2f | %.1f | %.1f %% |%n",
                    b.name,
                    b.flopsPerStep,
                    stepsPerS,
                    b.gflops(),
                    100 * b.gflops() / limit));
        }
        md.append(String.format(
                Locale.ROOT,
                "%nThe teacher trains at %.1f %% of the matmul rate (target ≥ 60 %%: %s). Counting only the"
                        + " FLOPs TensorFlow runs (no gradient for the model's input) it is %.1f %%. Its biggest"
                        + " product alone, as one GEMM of its shape (%s), runs at %.1f %%. Round by round (teacher"
                        + " against the faster matmul of the same round) the teacher's share is %s %%, median %.1f"
                        + " %%.%n",
                100 * teacher.gflops() / limit,
                100 * teacher.gflops() / limit >= 60 ? "met" : "not met",
                100 * teacher.gflopsExecuted() / limit,
                shaped.json().get("shape"),
                100 * shaped.gflops() / limit,
                perRound.stream()
                        .map(p -> String.format(Locale.ROOT, "%.1f", p))
                        .collect(java.util.stream.Collectors.joining(", ")),
                medianPercent));
        double opSum = profile.msByType().values().stream()
                .mapToDouble(Double::doubleValue)
                .sum();
        md.append(String.format(
                Locale.ROOT,
                "%nWhere the teacher's step goes: %d steps traced by TensorFlow (FULL_TRACE) in the plain TF"
                        + " Java loop (same graph, Adam and session defaults), %.1f ms per step wall, %.1f ms summed"
                        + " over the ops (ops on the two inter-op threads may overlap; the rest of the wall time is"
                        + " feeding and Java); the matmul limit timed right after: %.1f GFLOP/s. Op types"
                        + " as executed (oneDNN's `_Mkl*` kernels); GFLOP/s where the op type carries known"
                        + " products.%n%n",
                PROFILE_STEPS,
                profile.wallMs(),
                opSum,
                profile.limitGflops()));
        md.append("| op type | ms/step | % of op time | GFLOP/s | % of matmul |\n|---|---:|---:|---:|---:|\n");
        List<Map<String, Object>> ops = new ArrayList<>();
        double other = 0;
        List<Map.Entry<String, Double>> sorted = profile.msByType().entrySet().stream()
                .sorted((x, y) -> Double.compare(y.getValue(), x.getValue()))
                .toList();
        for (Map.Entry<String, Double> e : sorted) {
            Long f = profile.flopsByType().get(e.getKey());
            double gflops = f == null ? Double.NaN : f / (e.getValue() / 1000) / 1e9;
            Map<String, Object> op = new LinkedHashMap<>();
            op.put("op_type", e.getKey());
            op.put("ms_per_step", e.getValue());
            if (f != null) {
                op.put("flops_per_step", f);
                op.put("gflops_per_s", gflops);
                op.put("percent_of_matmul_limit", 100 * gflops / profile.limitGflops());
            }
            ops.add(op);
            if (100 * e.getValue() / opSum < 0.5) {
                other += e.getValue();
                continue;
            }
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %.2f | %.1f %% | %s | %s |%n",
                    e.getKey(),
                    e.getValue(),
                    100 * e.getValue() / opSum,
                    f == null ? "" : String.format(Locale.ROOT, "%.1f", gflops),
                    f == null ? "" : String.format(Locale.ROOT, "%.1f %%", 100 * gflops / profile.limitGflops())));
        }
        md.append(String.format(
                Locale.ROOT, "| (others, < 0.5 %% each) | %.2f | %.1f %% | | |%n", other, 100 * other / opSum));
        Map<String, Object> prof = new LinkedHashMap<>();
        prof.put("traced_steps", PROFILE_STEPS);
        prof.put("loop", "plain TF Java loop (PlainTfLoop), same ModelGraph, Adam and session defaults");
        prof.put("wall_ms_per_step", profile.wallMs());
        prof.put("op_ms_per_step_sum", opSum);
        prof.put("matmul_limit_gflops_per_s_after", profile.limitGflops());
        prof.put("ops", ops);
        results.put("teacher_op_profile", prof);
        System.out.print(md.substring(md.lastIndexOf("\nThe teacher")));

        Files.createDirectories(outDir);
        Path json = outDir.resolve("flop-rate.json");
        Files.writeString(
                json,
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
        Files.writeString(outDir.resolve("flop-rate.md"), md.toString());
        System.out.println("wrote " + json + " and flop-rate.md");
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "unknown";
    }

    /** Something timed in blocks of {@link #steps} steps of {@link #flopsPerStep} FLOPs each. */
    abstract static class Block implements AutoCloseable {
        final String name;
        final long flopsPerStep;
        final int steps;
        final double work;
        final List<Double> seconds = new ArrayList<>();

        Block(String name, long flopsPerStep, int steps) {
            this.name = name;
            this.flopsPerStep = flopsPerStep;
            this.steps = steps;
            this.work = (double) flopsPerStep * steps;
        }

        abstract void warmUp();

        abstract void step();

        /** One block, timed and recorded. */
        double timed() {
            double s = run();
            seconds.add(s);
            return s;
        }

        /** One block, timed; seconds. */
        double run() {
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                step();
            }
            return (System.nanoTime() - t0) / 1e9;
        }

        double totalSeconds() {
            return seconds.stream().mapToDouble(Double::doubleValue).sum();
        }

        double gflops() {
            return work * seconds.size() / totalSeconds() / 1e9;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("block", name);
            m.put("flops_per_step", flopsPerStep);
            m.put("steps_per_round", steps);
            m.put("steps_per_s", steps * seconds.size() / totalSeconds());
            return m;
        }
    }

    /** Distillery's training step of one model: gather a batch from the shard, {@link Trainer#step}. */
    static final class ModelBlock extends Block {
        final ModelSpec spec;
        final int batch;
        final List<String> layers;
        final Shard shard;
        final Trainer trainer;
        final SplittableRandom random = new SplittableRandom(3);

        ModelBlock(String name, JsonNode conf, Shard shard, int steps) {
            this(name, layers(conf), conf.path("batch_size").asInt(128), conf, shard, steps);
        }

        private ModelBlock(String name, List<String> layers, int batch, JsonNode conf, Shard shard, int steps) {
            this(name, ModelSpec.of(new int[] {28, 28, 1}, 10, layers), layers, batch, conf, shard, steps);
        }

        private ModelBlock(
                String name, ModelSpec spec, List<String> layers, int batch, JsonNode conf, Shard shard, int steps) {
            super(name, Flops.training(spec) * batch, steps);
            this.spec = spec;
            this.layers = layers;
            this.batch = batch;
            this.shard = shard;
            if (!conf.path("optimizer").asText("adam").equals("adam")) {
                throw new IllegalStateException(name + ": this benchmark trains with Adam, the defaults say "
                        + conf.path("optimizer").asText());
            }
            this.trainer = new Trainer(Trainer.Options.local(
                    spec,
                    Loss.crossEntropy(),
                    OptimizerSpec.adam(conf.path("learning_rate").asDouble(1e-3)),
                    7));
            trainer.load(Initializer.glorotUniform(spec, 7));
        }

        static List<String> layers(JsonNode conf) {
            List<String> out = new ArrayList<>();
            conf.path("layers").forEach(l -> out.add(l.asText()));
            if (out.isEmpty()) {
                throw new IllegalStateException("no layers in " + DEFAULTS);
            }
            return out;
        }

        @Override
        void warmUp() {
            for (int i = 0; i < WARMUP_STEPS; i++) {
                step();
            }
        }

        @Override
        void step() {
            int[] idx = new int[batch];
            for (int i = 0; i < batch; i++) {
                idx[i] = random.nextInt(shard.rows());
            }
            try (VectorSchemaRoot b = shard.gather(idx)) {
                trainer.step(b);
            }
        }

        /**
         * The weighted layer with the most forward FLOPs as a GEMM {@code [m, k] · [k, n]}: dense {@code
         * [batch, in] · [in, units]}, conv2d {@code [batch·Hout·Wout, k·k·Cin] · [k·k·Cin, filters]}.
         */
        int[] biggestGemm() {
            return gemm(biggest());
        }

        String biggestLayer() {
            return spec.namedLayers().get(biggest()).name();
        }

        private int biggest() {
            List<Long> perLayer = Flops.forwardPerLayer(spec);
            int best = -1;
            for (int i = 0; i < perLayer.size(); i++) {
                LayerSpec l = spec.layers().get(i);
                boolean gemm = l instanceof LayerSpec.Dense || l instanceof LayerSpec.Conv2D;
                if (gemm && (best < 0 || perLayer.get(i) > perLayer.get(best))) {
                    best = i;
                }
            }
            return best;
        }

        private int[] gemm(int i) {
            int[] in = i == 0 ? spec.inputShape() : spec.outputShapes().get(i - 1);
            int[] out = spec.outputShapes().get(i);
            if (spec.layers().get(i) instanceof LayerSpec.Conv2D c) {
                return new int[] {batch * out[0] * out[1], c.kernelSize() * c.kernelSize() * in[2], c.filters()};
            }
            return new int[] {batch, in[0], out[0]};
        }

        double gflopsExecuted() {
            return gflops() * Flops.trainingExecuted(spec) / Flops.training(spec);
        }

        @Override
        Map<String, Object> json() {
            Map<String, Object> m = super.json();
            m.put("layers", layers);
            m.put("batch_size", batch);
            m.put("layers_source", DEFAULTS + " (" + (name.startsWith("teacher") ? "teacher" : "student") + ".layers)");
            m.put("forward_flops_per_example", Flops.forward(spec));
            m.put("training_flops_per_example", Flops.training(spec));
            m.put("training_flops_per_example_executed", Flops.trainingExecuted(spec));
            m.put("gflops_per_s_executed", gflopsExecuted());
            return m;
        }

        @Override
        public void close() {
            trainer.close();
        }
    }

    /**
     * One {@code [m, k] · [k, n]} float32 product per step, run as a session target. Square ones are the
     * practical limit; a non-square one shows what the teacher's own product shapes reach.
     */
    static final class MatmulBlock extends Block {
        final int m;
        final int k;
        final int n;
        final boolean limit;
        final Graph graph = new Graph();
        final Session session;
        final Placeholder<TFloat32> a;
        final Placeholder<TFloat32> b;
        final MatMul<TFloat32> product;
        final float[] x;
        final float[] y;
        final TFloat32 ta;
        final TFloat32 tb;

        MatmulBlock(String name, int m, int k, int n, boolean limit, long flopsPerBlock) {
            super(name, 2L * m * k * n, (int) Math.max(3, Math.round(flopsPerBlock / (2.0 * m * k * n))));
            this.m = m;
            this.k = k;
            this.n = n;
            this.limit = limit;
            Ops tf = Ops.create(graph);
            a = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(m, k)));
            b = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(k, n)));
            product = tf.linalg.matMul(a, b);
            session = new Session(graph);
            SplittableRandom random = new SplittableRandom(m + 31L * n);
            x = randoms(random, m * k);
            y = randoms(random, k * n);
            ta = TFloat32.tensorOf(Shape.of(m, k), DataBuffers.of(x, true, false));
            tb = TFloat32.tensorOf(Shape.of(k, n), DataBuffers.of(y, true, false));
        }

        static MatmulBlock square(int n, long flopsPerBlock) {
            return new MatmulBlock("matmul " + n, n, n, n, true, flopsPerBlock);
        }

        static float[] randoms(SplittableRandom random, int count) {
            float[] out = new float[count];
            for (int i = 0; i < count; i++) {
                out[i] = (float) random.nextDouble(-1, 1);
            }
            return out;
        }

        /** Fetches the product once and checks one value against Java's: the product is really computed. */
        @Override
        void warmUp() {
            try (var r = session.runner().feed(a, ta).feed(b, tb).fetch(product).run()) {
                int i = m / 3;
                int j = n / 2;
                double expected = 0;
                for (int q = 0; q < k; q++) {
                    expected += (double) x[i * k + q] * y[q * n + j];
                }
                float found = ((TFloat32) r.get(0)).getFloat(i, j);
                if (Math.abs(found - expected) > 1e-3 * Math.sqrt(k)) {
                    throw new IllegalStateException(
                            name + ": C[" + i + "][" + j + "] = " + found + ", expected " + expected);
                }
            }
            step();
        }

        @Override
        void step() {
            // No fetch: the product stays in TensorFlow; the (empty) result is closed at once.
            session.runner().feed(a, ta).feed(b, tb).addTarget(product).run().close();
        }

        @Override
        Map<String, Object> json() {
            Map<String, Object> out = super.json();
            out.put("shape", "[" + m + ", " + k + "] x [" + k + ", " + n + "]");
            out.put("practical_limit_candidate", limit);
            return out;
        }

        @Override
        public void close() {
            ta.close();
            tb.close();
            session.close();
            graph.close();
        }
    }
}
