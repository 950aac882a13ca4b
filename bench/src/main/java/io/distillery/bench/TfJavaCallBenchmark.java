package io.distillery.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Predictor;
import io.distillery.core.model.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Where a TF Java call's time goes for the default student at batch 32: 784-128-10 against 784-64-10
 * (the structured-pruned width), as {@link Predictor} runs the exported graph and as three hand-built
 * variants of the same function (weights as variables with an {@code Add} bias, with a fusable
 * {@code BiasAdd}, and as graph constants). One thread, ops inline, the variants interleaved in every
 * round; the median of the rounds. The ratio of the two widths is the most that halving the hidden
 * layer buys in each way of running the model.
 *
 * <p>{@code bin/bench calls [calls=2000] [rounds=5]}; writes bench/results/tf-java-calls.{json,md}.
 */
public final class TfJavaCallBenchmark {
    private static final int ROWS = 32;
    private static final int INPUTS = 784;
    private static final int CLASSES = 10;

    /** The ways of running the same function that the benchmark compares. */
    private enum Way {
        EXPORTED("exported graph (Predictor)"),
        VARIABLES_ADD("variables, Add bias"),
        BIAS_ADD("variables, BiasAdd"),
        CONSTANTS("constants");

        final String label;

        Way(String label) {
            this.label = label;
        }
    }

    /** One way of running one width: a call answers {@link #ROWS} rows. */
    private interface Call extends AutoCloseable {
        void run();

        @Override
        void close();
    }

    public static void main(String[] args) throws IOException {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        ConfigProto session = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(1)
                .setInterOpParallelismThreads(-1)
                .build();
        float[] rows = new float[ROWS * INPUTS];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) random.nextDouble();
        }
        List<Way> ways = List.of(Way.values());
        int[] widths = {128, 64};
        Map<String, Call> candidates = new LinkedHashMap<>();
        try {
            for (Way way : ways) {
                for (int units : widths) {
                    candidates.put(way.label + " | " + units, open(way, units, rows, session));
                }
            }
            Map<String, double[]> micros = new LinkedHashMap<>();
            for (Map.Entry<String, Call> c : candidates.entrySet()) {
                for (int i = 0; i < calls / 4; i++) {
                    c.getValue().run();
                }
                micros.put(c.getKey(), new double[rounds]);
            }
            for (int round = 0; round < rounds; round++) {
                for (Map.Entry<String, Call> c : candidates.entrySet()) {
                    long start = System.nanoTime();
                    for (int i = 0; i < calls; i++) {
                        c.getValue().run();
                    }
                    micros.get(c.getKey())[round] = (System.nanoTime() - start) / (calls * 1e3);
                }
            }
            report(ways, widths, micros, calls, rounds, inputWriteMicros(rows));
        } finally {
            candidates.values().forEach(Call::close);
        }
    }

    private static Call open(Way way, int units, float[] rows, ConfigProto session) {
        ModelSpec spec = ModelSpec.of(
                new int[] {28, 28, 1}, CLASSES, List.of("flatten", "dense(" + units + ",relu)", "dense(10)"));
        Weights weights = Initializer.glorotUniform(spec, units);
        if (way == Way.EXPORTED) {
            Predictor predictor = new Predictor(spec, weights, session);
            return new Call() {
                @Override
                public void run() {
                    predictor.probabilities(rows, ROWS);
                }

                @Override
                public void close() {
                    predictor.close();
                }
            };
        }
        return HandBuilt.of(weights, way, rows, session);
    }

    /** The same function built by hand: matmul, bias, ReLU, matmul, bias, softmax. */
    private record HandBuilt(Graph graph, Session session, TFloat32 input, Session.Runner runner, float[] out)
            implements Call {
        static HandBuilt of(Weights weights, Way way, float[] rows, ConfigProto config) {
            Graph graph = new Graph();
            Ops tf = Ops.create(graph);
            boolean constants = way == Way.CONSTANTS;
            boolean biasAdd = way == Way.BIAS_ADD;
            Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, INPUTS)));
            Operand<TFloat32> k1 = weight(tf, weights.get("dense_1/kernel"), constants);
            Operand<TFloat32> b1 = weight(tf, weights.get("dense_1/bias"), constants);
            Operand<TFloat32> k2 = weight(tf, weights.get("dense_2/kernel"), constants);
            Operand<TFloat32> b2 = weight(tf, weights.get("dense_2/bias"), constants);
            Operand<TFloat32> h = tf.linalg.matMul(x, k1);
            h = tf.nn.relu(biasAdd ? tf.nn.biasAdd(h, b1) : tf.math.add(h, b1));
            Operand<TFloat32> logits = tf.linalg.matMul(h, k2);
            logits = biasAdd ? tf.nn.biasAdd(logits, b2) : tf.math.add(logits, b2);
            Output<TFloat32> probabilities = tf.nn.softmax(logits).asOutput();
            Session session = new Session(graph, config);
            if (!constants) {
                session.initialize();
            }
            TFloat32 input = TFloat32.tensorOf(Shape.of(ROWS, INPUTS));
            input.asRawTensor().data().asFloats().write(rows);
            return new HandBuilt(
                    graph,
                    session,
                    input,
                    session.runner().feed(x, input).fetch(probabilities),
                    new float[ROWS * CLASSES]);
        }

        private static Operand<TFloat32> weight(Ops tf, NamedArray array, boolean constant) {
            Operand<TFloat32> value = tf.constant(Shape.of(array.shape()), DataBuffers.of(array.values(), true, false));
            return constant ? value : tf.variable(value);
        }

        @Override
        public void run() {
            try (var result = runner.run()) {
                ((TFloat32) result.get(0)).copyTo(DataBuffers.of(out, false, false));
            }
        }

        @Override
        public void close() {
            input.close();
            session.close();
            graph.close();
        }
    }

    /** Microseconds to write a batch of rows into a kept input tensor, as {@link Predictor} does. */
    private static double inputWriteMicros(float[] rows) {
        try (TFloat32 t = TFloat32.tensorOf(Shape.of(ROWS, INPUTS))) {
            int n = 20_000;
            for (int i = 0; i < n; i++) {
                t.asRawTensor().data().asFloats().write(rows);
            }
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                t.asRawTensor().data().asFloats().write(rows);
            }
            return (System.nanoTime() - start) / (n * 1e3);
        }
    }

    private static void report(
            List<Way> ways, int[] widths, Map<String, double[]> micros, int calls, int rounds, double writeMicros)
            throws IOException {
        StringBuilder md = new StringBuilder("# TF Java: what a batch-32 call of the default student costs\n\n");
        md.append(String.format(
                Locale.ROOT,
                "`bin/bench calls %d %d` (%s, 1 intra-op thread, ops inline, %d calls × %d interleaved rounds,"
                        + " median µs per call of %d rows)%n%n",
                calls,
                rounds,
                FlopRateBenchmark.cpuModel(),
                calls,
                rounds,
                ROWS));
        md.append("| graph | 784-128-10 µs | 784-64-10 µs | ratio |\n|---|---:|---:|---:|\n");
        List<Map<String, Object>> rowsOut = new ArrayList<>();
        for (Way way : ways) {
            double wide = median(micros.get(way.label + " | " + widths[0]));
            double narrow = median(micros.get(way.label + " | " + widths[1]));
            md.append(String.format(
                    Locale.ROOT, "| %s | %.1f | %.1f | %.2f× |%n", way.label, wide, narrow, wide / narrow));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("graph", way.label);
            row.put("us_128", wide);
            row.put("us_64", narrow);
            row.put("ratio", wide / narrow);
            row.put("rounds_128", micros.get(way.label + " | " + widths[0]));
            row.put("rounds_64", micros.get(way.label + " | " + widths[1]));
            rowsOut.add(row);
        }
        md.append(String.format(
                Locale.ROOT,
                "%nWriting the %d×%d input into the kept tensor: %.2f µs a call.%n",
                ROWS,
                INPUTS,
                writeMicros));
        System.out.print(md);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("command", "bin/bench calls " + calls + " " + rounds);
        results.put("date", Instant.now().toString());
        results.put("cpu", FlopRateBenchmark.cpuModel());
        results.put("rows_per_call", ROWS);
        results.put("graphs", rowsOut);
        results.put("input_write_us", writeMicros);
        Path dir = Path.of("bench/results");
        Files.createDirectories(dir);
        Files.writeString(
                dir.resolve("tf-java-calls.json"),
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
        Files.writeString(dir.resolve("tf-java-calls.md"), md.toString());
        System.out.println("wrote bench/results/tf-java-calls.{json,md}");
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
