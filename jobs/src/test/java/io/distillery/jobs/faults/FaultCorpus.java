package io.distillery.jobs.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.core.testing.KerasLikeSavedModel;
import io.distillery.jobs.CliHarness;
import io.distillery.jobs.data.DataLoader;
import io.distillery.jobs.failure.ExitCodes;
import io.distillery.jobs.spark.BarrierPreflight;
import io.distillery.jobs.spark.BarrierStage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The faults run through the CLI: data and config here, storage in {@link StorageCorpus}. Each case
 * runs a command against a tiny config in its own directory (publish base path {@code <dir>/models}).
 * Serving faults are in {@link ServingCorpus}; cluster faults are to come.
 */
public final class FaultCorpus {
    static final String FASHION = "/usr/share/datasets/fashion-mnist";
    static final Duration DATA_TIMEOUT = Duration.ofSeconds(40);
    static final Duration CONFIG_TIMEOUT = Duration.ofSeconds(15);
    /** A whole pipeline of the tiny job, two workers or the full export included. */
    static final Duration PIPELINE_TIMEOUT = Duration.ofSeconds(60);

    static final String PUBLISHED = "published tiny version 1";

    static final ObjectMapper JSON = new ObjectMapper();

    private FaultCorpus() {}

    public static List<FaultCase> all() {
        List<FaultCase> all = new ArrayList<>(data());
        all.addAll(config());
        all.addAll(runs());
        all.addAll(teachers());
        all.addAll(StorageCorpus.all());
        return all;
    }

    // ---------------------------------------------------------------------------------------- data

    public static List<FaultCase> data() {
        return List.of(
                data(
                        "idx-truncated-gzip",
                        "train-images-idx3-ubyte.gz",
                        d -> idxDir(d, "trunc-gz", cut(gz("t10k-images-idx3-ubyte.gz"), 0.05))),
                data(
                        "idx-truncated-raw",
                        "train-images-idx3-ubyte.gz",
                        d -> idxDir(d, "trunc-raw", gzip(cut(gunzip(gz("t10k-images-idx3-ubyte.gz")), 0.05)))),
                data(
                        "idx-not-gzip",
                        "train-images-idx3-ubyte.gz",
                        d -> idxDir(d, "not-gz", cut(gunzip(gz("t10k-images-idx3-ubyte.gz")), 0.5))),
                data(
                        "gzip-corrupt",
                        "train-images-idx3-ubyte.gz",
                        d -> idxDir(d, "corrupt-gz", corrupt(gz("t10k-images-idx3-ubyte.gz")))),
                data("parquet-broken-footer", "footer.parquet", d -> tabular(d, brokenFooter(d))),
                data("csv-ragged-row", "ragged.csv", d -> tabular(d, raggedCsv(d))),
                data(
                        "feature-nan",
                        "row 5: feature 1 is NaN",
                        d -> tabular(d, parquet(d, "nan.parquet", 300, Float.NaN, 1, 4))),
                data(
                        "feature-inf",
                        "row 5: feature 1 is Infinity",
                        d -> tabular(d, parquet(d, "inf.parquet", 300, Float.POSITIVE_INFINITY, 1, 4))),
                data(
                        "label-negative",
                        "row 5: expected label in [0, 3), found -1",
                        d -> tabular(d, parquet(d, "neg.parquet", 300, 0.5f, -1, 4))),
                data(
                        "label-ge-classes",
                        "expected label in [0, 3), found 3",
                        d -> tabular(d, parquet(d, "big.parquet", 300, 0.5f, 3, 4))),
                data(
                        "feature-width",
                        "row 5: expected 4 features, found 6",
                        d -> tabular(d, parquet(d, "wide.parquet", 300, 0.5f, 1, 6))),
                data(
                        "label-dtype-string",
                        "column 'label' must be an integer type, found string",
                        d -> tabular(d, stringLabels(d))),
                data("empty-dataset", "empty.parquet", d -> tabular(d, parquet(d, "empty.parquet", 0, 0.5f, 1, 4))),
                data(
                        "rows-lt-workers-x-batch",
                        "rows are fewer than spark.workers × batch_size",
                        d -> tabular(d, parquet(d, "few.parquet", 20, 0.5f, 1, 4))),
                // Distillery repartitions the input round-robin into one shard per worker, so how the input
                // happens to be split does not matter: both workers get half the rows and the job succeeds.
                // (A worker with no data at all is refused before the barrier stage: BarrierPreflight.)
                new FaultCase(
                                "empty-partition",
                                "data",
                                ExitCodes.OK,
                                PUBLISHED,
                                PIPELINE_TIMEOUT,
                                d -> twoWorkers(d, partitionedParquet(d, "one-empty.parquet", 600, 0)))
                        .then(FaultCorpus::shardsBalanced),
                new FaultCase(
                                "skewed-partition-100x",
                                "data",
                                ExitCodes.OK,
                                PUBLISHED,
                                PIPELINE_TIMEOUT,
                                d -> twoWorkers(d, partitionedParquet(d, "skewed.parquet", 1500, 15)))
                        .then(FaultCorpus::shardsBalanced));
    }

    private static FaultCase data(String name, String fragment, FaultCase.Args args) {
        return new FaultCase(name, "data", ExitCodes.DATA, fragment, DATA_TIMEOUT, args);
    }

    /** pipeline on a Parquet/CSV data set of 4 features and 3 classes. */
    static List<String> tabular(Path dir, Path data) throws Exception {
        return pipeline(
                dir,
                "data.train=" + data,
                "data.test=" + data,
                "data.input_shape=[4]",
                "data.num_classes=3",
                "data.limit=0",
                "data.test_limit=0",
                "teacher.layers=dense(8,relu),dense(3)",
                "student.layers=dense(4,relu),dense(3)",
                "teacher.batch_size=32",
                "student.batch_size=32");
    }

    /** {@link #tabular} trained by two workers (local[2]: two barrier tasks), SavedModel export only. */
    static List<String> twoWorkers(Path dir, Path data) throws Exception {
        List<String> args = new ArrayList<>(tabular(dir, data));
        args.addAll(List.of("--workers", "2", "--set", "export.formats=savedmodel"));
        return args;
    }

    /**
     * A Parquet directory of one file per entry of {@code rowsPerFile} (a file may hold no rows); Spark
     * reads each small file as one input partition, which is checked before the case runs.
     */
    static Path partitionedParquet(Path dir, String name, int... rowsPerFile) {
        Path out = dir.resolve(name);
        for (int rows : rowsPerFile) {
            List<Row> list = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                list.add(RowFactory.create(new float[] {0.1f * (i % 3), 0.5f, 0.5f, 0.5f}, i % 3));
            }
            CliHarness.spark()
                    .createDataFrame(list, SCHEMA)
                    .coalesce(1)
                    .write()
                    .mode(SaveMode.Append)
                    .parquet(out.toString());
        }
        long[] read =
                BarrierPreflight.shardRows(DataLoader.read(CliHarness.spark(), out.toString(), "parquet", "train", 1)
                        .queryExecution()
                        .toRdd()
                        .toJavaRDD());
        long[] want = Arrays.stream(rowsPerFile).asLongStream().sorted().toArray();
        if (!Arrays.equals(Arrays.stream(read).sorted().toArray(), want)) {
            throw new IllegalStateException(out + " reads as input partitions of " + Arrays.toString(read)
                    + " rows, not " + Arrays.toString(want));
        }
        return out;
    }

    /**
     * Both workers trained, on shards of equal size: Spark's round-robin repartition is even up to one
     * row per input partition.
     */
    static List<String> shardsBalanced(Path dir, CliHarness.Result r) throws Exception {
        JsonNode record = JSON.readTree(
                dir.resolve("runs/fault/teacher/" + BarrierStage.RECORD).toFile());
        JsonNode shards = record.get("shard_rows");
        long a = shards.get(0).asLong();
        long b = shards.get(1).asLong();
        if (shards.size() != 2 || a == 0 || b == 0 || Math.abs(a - b) > 2) {
            return List.of("teacher shards not balanced across 2 workers: " + shards);
        }
        return List.of();
    }

    /** An IDX directory: train images replaced by {@code images}, the rest copied from the package. */
    static List<String> idxDir(Path dir, String name, byte[] images) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.write(d.resolve("train-images-idx3-ubyte.gz"), images);
        Files.write(d.resolve("train-labels-idx1-ubyte.gz"), gz("t10k-labels-idx1-ubyte.gz"));
        Files.write(d.resolve("t10k-images-idx3-ubyte.gz"), gz("t10k-images-idx3-ubyte.gz"));
        Files.write(d.resolve("t10k-labels-idx1-ubyte.gz"), gz("t10k-labels-idx1-ubyte.gz"));
        return pipeline(
                dir, "data.train=" + d, "data.test=" + d, "data.format=idx", "data.limit=1200", "data.test_limit=500");
    }

    static byte[] gz(String name) throws Exception {
        return Files.readAllBytes(Path.of(FASHION, name));
    }

    static byte[] cut(byte[] b, double fraction) {
        return Arrays.copyOf(b, (int) (b.length * fraction));
    }

    static byte[] gunzip(byte[] b) throws Exception {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(b))) {
            return in.readAllBytes();
        }
    }

    static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new java.util.zip.GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    /** Garbage over a stretch of the deflate stream, header and trailer intact. */
    static byte[] corrupt(byte[] b) {
        byte[] c = b.clone();
        for (int i = 0; i < 4096; i++) {
            c[c.length / 10 + i] = (byte) (i * 31 + 7);
        }
        return c;
    }

    static final StructType SCHEMA = new StructType(new StructField[] {
        new StructField("features", DataTypes.createArrayType(DataTypes.FloatType), false, Metadata.empty()),
        new StructField("label", DataTypes.IntegerType, false, Metadata.empty())
    });

    /** {@code rows} 4-wide rows with one defect planted at row 5 (as in BadInputTest). */
    static Path parquet(Path dir, String name, int rows, float bad, int label, int width) {
        List<Row> list = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            float[] x = new float[i == 5 ? width : 4];
            Arrays.fill(x, 0.5f);
            if (i == 5) {
                x[1] = bad;
            }
            list.add(RowFactory.create(x, i == 5 ? label : i % 3));
        }
        Path out = dir.resolve(name);
        CliHarness.spark().createDataFrame(list, SCHEMA).coalesce(1).write().parquet(out.toString());
        return out;
    }

    static Path stringLabels(Path dir) {
        StructType schema = new StructType(new StructField[] {
            new StructField("features", DataTypes.createArrayType(DataTypes.FloatType), false, Metadata.empty()),
            new StructField("label", DataTypes.StringType, false, Metadata.empty())
        });
        List<Row> list = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            list.add(RowFactory.create(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, "c" + (i % 3)));
        }
        Path out = dir.resolve("strlabel.parquet");
        CliHarness.spark().createDataFrame(list, schema).coalesce(1).write().parquet(out.toString());
        return out;
    }

    /** A good Parquet file whose footer (length + magic at the end) is overwritten. */
    static Path brokenFooter(Path dir) throws Exception {
        Path out = parquet(dir, "footer.parquet", 300, 0.5f, 1, 4);
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .toList()) {
                byte[] b = Files.readAllBytes(p);
                for (int i = b.length - 40; i < b.length; i++) {
                    b[i] = 0x5a;
                }
                Files.write(p, b);
            }
        }
        try (Stream<Path> s = Files.list(out)) { // stale checksums would mask the footer error
            for (Path p :
                    s.filter(p -> p.getFileName().toString().endsWith(".crc")).toList()) {
                Files.delete(p);
            }
        }
        return out;
    }

    /** A CSV (f0..f3,label) whose row 5 has only three fields. */
    static Path raggedCsv(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder("f0,f1,f2,f3,label\n");
        for (int i = 0; i < 300; i++) {
            sb.append(i == 5 ? "0.5,0.5,1\n" : "0.5,0.5,0.5,0.5," + (i % 3) + "\n");
        }
        Path out = dir.resolve("ragged.csv");
        Files.writeString(out, sb);
        return out;
    }

    // -------------------------------------------------------------------------------------- config

    public static List<FaultCase> config() {
        return List.of(
                config("unknown-key-file", "unknown config key 'teacher.epoch'", d -> {
                    Path bad = d.resolve("typo.yaml");
                    Files.writeString(bad, baseConfig(d).replace("  epochs: 2\nstudent:", "  epoch: 2\nstudent:"));
                    return List.of("pipeline", "--conf", bad.toString(), "--run-id", "fault");
                }),
                config("unknown-key-set", "unknown config key 'student.epochz'", d -> pipeline(d, "student.epochz=3")),
                config("wrong-type-int", "teacher.epochs", d -> pipeline(d, "teacher.epochs=many")),
                config("wrong-type-float", "distill.temperature", d -> pipeline(d, "distill.temperature=hot")),
                config(
                        "sparsity-out-of-range",
                        "prune.final_sparsity must be in [0, 1), found 1.5",
                        d -> pipeline(d, "prune.final_sparsity=1.5")),
                config("workers-zero", "spark.workers must be >= 1, found 0", d -> pipeline(d, "spark.workers=0")),
                config("batch-size-zero", "batch_size must be >= 1, found 0", d -> pipeline(d, "teacher.batch_size=0")),
                config(
                        "alpha-out-of-range",
                        "distill.alpha must be in [0, 1], found 1.5",
                        d -> pipeline(d, "distill.alpha=1.5")),
                config(
                        "temperature-zero",
                        "distill.temperature must be > 0, found 0.0",
                        d -> pipeline(d, "distill.temperature=0")),
                config(
                        "zero-units",
                        "units must be > 0",
                        d -> pipeline(d, "student.layers=flatten,dense(0,relu),dense(10)")),
                config(
                        "prune-structured-nothing-to-shrink",
                        "prune.kind structured:",
                        d -> pipeline(d, "prune.kind=structured", "student.layers=flatten,dense(10)")),
                config(
                        "prune-kind-unknown",
                        "prune.kind must be unstructured, structured or 2:4, found 'channels'",
                        d -> pipeline(d, "prune.kind=channels")),
                config(
                        "initial-gt-final-sparsity",
                        "prune.initial_sparsity (0.6) must be <= prune.final_sparsity",
                        d -> pipeline(d, "prune.initial_sparsity=0.6", "prune.final_sparsity=0.5")),
                config(
                        "student-kernel-bigger-than-input",
                        "student.layers: model layer 1 conv2d(8,29,relu,valid): kernel larger than its input [28, 28, 1]",
                        d -> pipeline(d, "student.layers=conv2d(8,29,relu),flatten,dense(10)")),
                config(
                        "student-pool-shrinks-to-zero",
                        "student.layers: model layer 2 maxpool(32): pool larger than its input [26, 26, 8]",
                        d -> pipeline(d, "student.layers=conv2d(8,3,relu),maxpool(32),flatten,dense(10)")),
                config(
                        "prune-end-before-begin",
                        "prune.end_step (100) must be > prune.begin_step (200)",
                        d -> pipeline(d, "prune.begin_step=200", "prune.end_step=100")),
                // Checked when the config is loaded, before Spark starts (prune.* used to fail after three stages).
                config(
                        "optimizer-unknown-teacher",
                        "teacher.optimizer must be adam or sgd, found 'adamw'",
                        d -> pipeline(d, "teacher.optimizer=adamw")),
                config(
                        "optimizer-unknown-prune",
                        "prune.optimizer must be adam or sgd, found 'rmsprop'",
                        d -> pipeline(d, "prune.optimizer=rmsprop")),
                config(
                        "augment-flat-data",
                        "teacher.augment needs images (data.input_shape [height, width, channels]), found"
                                + " data.input_shape [784]",
                        d -> pipeline(
                                d,
                                "data.input_shape=[784]",
                                "teacher.layers=[dense(16,relu),dense(10)]",
                                "teacher.augment=[flip]")),
                config(
                        "mixup-without-consistent-teaching",
                        "student.augment: mixup needs distill.consistent_teaching: true",
                        d -> pipeline(
                                d, "student.layers=[conv2d(4,3,relu),flatten,dense(10)]", "student.augment=[mixup]")),
                config(
                        "validation-fraction-too-large",
                        "data.validation_fraction must be in [0, 0.5], found 0.7",
                        d -> pipeline(d, "data.validation_fraction=0.7")),
                config(
                        "lr-schedule-unknown",
                        "student.lr_schedule must be constant or cosine, found 'step'",
                        d -> pipeline(d, "student.lr_schedule=step")),
                config(
                        "learning-rate-zero-student",
                        "student.learning_rate must be > 0, found 0.0",
                        d -> pipeline(d, "student.learning_rate=0")),
                config(
                        "learning-rate-negative-prune",
                        "prune.learning_rate must be > 0, found -0.1",
                        d -> pipeline(d, "prune.learning_rate=-0.1")),
                config(
                        "export-without-savedmodel",
                        "export.formats must include savedmodel",
                        d -> pipeline(d, "export.formats=tflite,tfjs")),
                // The fine-tuning steps are known only once the rows are counted: refused right after the data
                // is read, before the teacher trains (it used to fail after three training stages).
                new FaultCase(
                                "prune-end-beyond-fine-tuning",
                                "config",
                                ExitCodes.CONFIG,
                                "the 30 fine-tuning steps (prune.epochs 3 × 10 steps per epoch); found prune.begin_step 0,"
                                        + " prune.end_step 1000",
                                DATA_TIMEOUT,
                                d -> pipeline(d, "prune.end_step=1000"))
                        .then((d, r) -> Files.exists(d.resolve("runs/fault/teacher"))
                                ? List.of("the teacher was trained before the schedule was refused")
                                : List.of()));
    }

    private static FaultCase config(String name, String fragment, FaultCase.Args args) {
        return new FaultCase(name, "config", ExitCodes.CONFIG, fragment, CONFIG_TIMEOUT, args);
    }

    // ---------------------------------------------------------------------------------------- runs

    /**
     * Mistakes with runs that used to exit 0 with the wrong model: a resume without the run's config, a
     * rerun with a changed config, a pruning schedule with one mask update, a pruned model that lost
     * too much.
     */
    public static List<FaultCase> runs() {
        return List.of(
                // The command a failed run's report prints: no --conf, so the run's recorded config is used
                // (it used to train the defaults, full Fashion-MNIST, and publish them as a new version).
                new FaultCase("resume-uses-recorded-config", "run", ExitCodes.OK, PUBLISHED, PIPELINE_TIMEOUT, d -> {
                            teacherOnly(d);
                            return List.of("pipeline", "--run-id", "fault", "--set", "run_dir=" + d.resolve("runs"));
                        })
                        .then((d, r) -> r.out().contains("teacher          already done")
                                ? List.of()
                                : List.of("the teacher of the recorded run was not reused")),
                new FaultCase(
                                "rerun-with-changed-config",
                                "run",
                                ExitCodes.CONFIG,
                                "run fault was started with a different config",
                                CONFIG_TIMEOUT,
                                d -> {
                                    teacherOnly(d);
                                    return pipeline(d, "teacher.epochs=3");
                                })
                        .then((d, r) -> (r.err() + r.out()).contains("teacher.epochs 2 in the run, 3 now")
                                ? List.of()
                                : List.of("the difference is not named")),
                new FaultCase(
                                "rerun-with-changed-config-restart",
                                "run",
                                ExitCodes.OK,
                                PUBLISHED,
                                PIPELINE_TIMEOUT,
                                d -> {
                                    teacherOnly(d);
                                    List<String> args = new ArrayList<>(pipeline(d, "teacher.epochs=3"));
                                    args.add("--restart");
                                    return args;
                                })
                        .then((d, r) -> {
                            JsonNode epochs = JSON.readTree(d.resolve("runs/fault/teacher/result.json")
                                            .toFile())
                                    .get("epochs");
                            return epochs != null && epochs.size() == 3
                                    ? List.of()
                                    : List.of("the teacher was not retrained with 3 epochs: " + epochs);
                        }),
                // 1200 rows, batch 128: 30 fine-tuning steps, a 20-step ramp; every 100 steps would be no
                // update at all (refused), every 5 steps four.
                new FaultCase(
                        "prune-too-few-mask-updates",
                        "run",
                        ExitCodes.OK,
                        "prune.frequency 100 gives 0 mask update(s) over the 20-step ramp on this data; updating every 2 steps"
                                + " instead (10 updates)",
                        PIPELINE_TIMEOUT,
                        d -> pipeline(d, "prune.frequency=100")),
                new FaultCase(
                                "pruned-model-loses-too-much",
                                "run",
                                ExitCodes.VERIFY,
                                "not published: the pruned student scored",
                                PIPELINE_TIMEOUT,
                                d -> pipeline(d, "prune.final_sparsity=0.99", "prune.max_accuracy_drop=0.5"))
                        .then((d, r) -> Files.exists(d.resolve("runs/fault/export/formats.json"))
                                ? List.of("exported although it will not be published")
                                : List.of()),
                // data.json and the report said 10,000 test rows when 1,000 were evaluated.
                new FaultCase(
                                "test-limit-recorded",
                                "run",
                                ExitCodes.OK,
                                "1000 test rows",
                                PIPELINE_TIMEOUT,
                                d -> pipeline(d, "data.test_limit=1000"))
                        .then((d, r) -> {
                            long rows = JSON.readTree(
                                            d.resolve("runs/fault/data.json").toFile())
                                    .at("/test/rows")
                                    .asLong();
                            return rows == 1000 ? List.of() : List.of("data.json records " + rows + " test rows");
                        }),
                // A stage result whose weights no longer fit the configured model (copied from another run, or
                // the run's config edited) is named, with its layer, instead of failing deep in TensorFlow.
                new FaultCase(
                                "stored-weights-mismatch",
                                "run",
                                ExitCodes.CONFIG,
                                "stage 'teacher': the stored result does not fit the configured model: layer dense_1 (dense(64,relu)):"
                                        + " dense_1/kernel is [784, 32] in the stored weights, [784, 64] in the configured model",
                                PIPELINE_TIMEOUT,
                                d -> {
                                    teacherOnly(d);
                                    var other = io.distillery.core.model.ModelSpec.of(
                                            new int[] {28, 28, 1},
                                            10,
                                            List.of("flatten", "dense(32,relu)", "dense(10)"));
                                    try (var out = Files.newOutputStream(d.resolve("runs/fault/teacher/weights.bin"))) {
                                        io.distillery.core.model.Initializer.glorotUniform(other, 1)
                                                .write(out);
                                    }
                                    Files.delete(d.resolve(
                                            "runs/fault/teacher/.weights.bin.crc")); // Hadoop's local checksum
                                    return pipeline(d);
                                })
                        .then((d, r) -> Files.exists(d.resolve("runs/fault/student/result.json"))
                                ? List.of("a student was distilled from the mismatched teacher")
                                : List.of()),
                // A validation split: held out of training, recorded, and what the pruning gate decides on.
                new FaultCase(
                                "validation-split",
                                "run",
                                ExitCodes.OK,
                                "validation rows",
                                PIPELINE_TIMEOUT,
                                d -> pipeline(d, "data.validation_fraction=0.2"))
                        .then((d, r) -> {
                            JsonNode data = JSON.readTree(
                                    d.resolve("runs/fault/data.json").toFile());
                            long train = data.at("/train/rows").asLong();
                            long held = data.at("/validation/rows").asLong();
                            JsonNode pruned = JSON.readTree(
                                    d.resolve("runs/fault/pruned/result.json").toFile());
                            List<String> problems = new ArrayList<>();
                            if (train + held != 1200 || held < 180 || held > 300) {
                                problems.add(
                                        "expected about 240 of 1,200 rows held out, found " + train + " + " + held);
                            }
                            if (!pruned.path("validation_accuracy").isNumber()) {
                                problems.add("pruned/result.json has no validation_accuracy: " + pruned);
                            }
                            return problems;
                        }),
                // A version that is not there is a wrong path (exit 2), not a storage failure to retry (exit 4).
                new FaultCase(
                        "verify-missing-version",
                        "run",
                        ExitCodes.CONFIG,
                        "no version 7 under",
                        CONFIG_TIMEOUT,
                        d -> List.of(
                                "models", "verify", d.resolve("models/tiny/7").toString())),
                // A directory of CSV files used to be read as Parquet (a footer error naming no setting).
                new FaultCase("csv-directory-auto-format", "run", ExitCodes.OK, PUBLISHED, PIPELINE_TIMEOUT, d -> {
                    Path dir = Files.createDirectories(d.resolve("csv-dir"));
                    for (int part = 0; part < 2; part++) {
                        StringBuilder sb = new StringBuilder("f0,f1,f2,f3,label\n");
                        for (int i = 0; i < 400; i++) {
                            int y = (i + part) % 3;
                            sb.append(y == 0 ? 1 : 0)
                                    .append(',')
                                    .append(y == 1 ? 1 : 0)
                                    .append(',')
                                    .append(y == 2 ? 1 : 0)
                                    .append(",0.5,")
                                    .append(y)
                                    .append('\n');
                        }
                        Files.writeString(dir.resolve("part-" + part + ".csv"), sb);
                    }
                    return pipeline(
                            d,
                            "data.train=" + dir,
                            "data.test=" + dir,
                            "data.input_shape=[4]",
                            "data.num_classes=3",
                            "teacher.layers=[dense(8,relu),dense(3)]",
                            "student.layers=[dense(4,relu),dense(3)]");
                }),
                // Refused before Spark starts (it used to take the data read and the teacher's start).
                new FaultCase(
                                "workers-more-than-local-slots",
                                "run",
                                ExitCodes.CONFIG,
                                "spark.workers = 3 needs 3 task slots at once, but local[2] offers 2",
                                CONFIG_TIMEOUT,
                                d -> pipeline(d, "spark.master=local[2]", "spark.workers=3"))
                        .then((d, r) -> Files.exists(d.resolve("runs/fault/data.json"))
                                ? List.of("the data was read before the refusal")
                                : List.of()));
    }

    // ---------------------------------------------------------------------------- brought teachers

    /**
     * Teachers brought as SavedModels (teacher.saved_model) that do not fit the data: refused with exit 2
     * once the data is read, before any training, naming the URI, the signature and what differs.
     */
    public static List<FaultCase> teachers() {
        return List.of(
                config(
                        "unlabeled-rest-without-limit",
                        "data.unlabeled: rest means the training rows beyond data.limit; set data.limit too",
                        d -> pipeline(d, "data.unlabeled=rest", "data.limit=0")),
                // The rows beyond data.limit join the distillation without their labels: the teacher and the
                // student alone see the 1,200 labelled rows, the teacher scores all 60,000 (one epoch per
                // student stage: 470 steps each on these rows).
                new FaultCase(
                                "unlabeled-rows-join-the-distillation",
                                "run",
                                ExitCodes.OK,
                                PUBLISHED,
                                PIPELINE_TIMEOUT,
                                d -> pipeline(d, "data.unlabeled=rest", "student.epochs=1", "prune.epochs=1"))
                        .then((d, r) -> {
                            JsonNode data = JSON.readTree(
                                    d.resolve("runs/fault/data.json").toFile());
                            List<String> problems = new ArrayList<>();
                            if (data.at("/train/rows").asLong() != 1200
                                    || data.at("/unlabeled/rows").asLong() != 58800) {
                                problems.add("labelled/unlabeled rows: " + data.at("/train/rows") + "/"
                                        + data.at("/unlabeled/rows"));
                            }
                            if (data.at("/teacher_logits/rows").asLong() != 60000) {
                                problems.add("the teacher scored " + data.at("/teacher_logits/rows") + " rows");
                            }
                            return problems;
                        }),
                ensemble(),
                teacher(
                        "teacher-savedmodel-missing",
                        "teacher.saved_model.uris: {dir}/no-such-model does not exist",
                        d -> pipeline(d, "teacher.saved_model.uris=" + d.resolve("no-such-model"))),
                teacher(
                        "teacher-savedmodel-no-such-signature",
                        "signature 'predict': has no signature 'predict'; it has [serving_default]",
                        d -> pipeline(
                                d,
                                "teacher.saved_model.uris=" + keras(d, new long[] {-1, 28, 28, 1}, 10, false),
                                "teacher.saved_model.signature=predict")),
                teacher(
                        "teacher-savedmodel-input-shape",
                        "input 'conv2d_input' has shape [-1, 32, 32, 3]; the data's rows are [28, 28, 1]",
                        d -> pipeline(
                                d, "teacher.saved_model.uris=" + keras(d, new long[] {-1, 32, 32, 3}, 10, false))),
                teacher(
                        "teacher-savedmodel-input-dtype",
                        "input 'conv2d_input' is DT_INT32; the data's features are DT_FLOAT",
                        d -> pipeline(d, "teacher.saved_model.uris=" + keras(d, new long[] {-1, 28, 28, 1}, 10, true))),
                // Structured pruning: half the hidden units are gone from the exported files.
                new FaultCase(
                                "prune-structured",
                                "run",
                                ExitCodes.OK,
                                PUBLISHED,
                                PIPELINE_TIMEOUT,
                                d -> pipeline(d, "prune.kind=structured", "prune.final_sparsity=0.5"))
                        .then((d, r) -> {
                            List<String> problems = new ArrayList<>();
                            Path v1 = d.resolve("models/tiny/1");
                            JsonNode c = JSON.readTree(
                                            v1.resolve("manifest.json").toFile())
                                    .path("compression");
                            // The tiny job's student is flatten, dense(16,relu), dense(10): 8 units are left.
                            if (!c.path("layers_exported").toString().contains("dense(8,relu)")
                                    || c.path("parameters_exported").asLong()
                                            >= c.path("parameters_dense").asLong()
                                    || c.path("forward_flops_exported").asLong()
                                            >= c.path("forward_flops_dense").asLong()) {
                                problems.add("the exported model is not the shrunk one: " + c);
                            }
                            String tfjs = Files.readString(v1.resolve("tfjs/model.json"));
                            if (!tfjs.contains("\"units\":8")) {
                                problems.add("the TF.js model keeps its 16 units");
                            }
                            // model.tflite holds the shrunk model's weights, not the dense ones.
                            long tflite = Files.size(v1.resolve("model.tflite"));
                            if (tflite > 4L * c.path("parameters_exported").asLong() + 4096) {
                                problems.add("model.tflite (" + tflite + " bytes) is larger than the shrunk model");
                            }
                            return problems;
                        }),
                // 2:4 sparsity: every group of 4 inputs keeps at most 2 weights, in the .tflite file too.
                new FaultCase(
                                "prune-2-4",
                                "run",
                                ExitCodes.OK,
                                PUBLISHED,
                                PIPELINE_TIMEOUT,
                                d -> pipeline(d, "prune.kind=2:4", "prune.final_sparsity=0.5"))
                        .then((d, r) -> {
                            List<String> problems = new ArrayList<>();
                            Path v1 = d.resolve("models/tiny/1");
                            if (!JSON.readTree(v1.resolve("manifest.json").toFile())
                                    .at("/compression/nm_2_4_holds")
                                    .asBoolean()) {
                                problems.add("the manifest does not confirm the 2:4 pattern");
                            }
                            List<String> groups =
                                    TfLiteGroups.denseViolations(Files.readAllBytes(v1.resolve("model.tflite")), 2, 4);
                            if (!groups.isEmpty()) {
                                problems.add("groups of 4 with more than 2 non-zeros in model.tflite: " + groups);
                            }
                            return problems;
                        }),
                // Asking for a speed-up no pruned MLP can give: refused after export, naming both latencies.
                new FaultCase(
                                "speedup-gate-missed",
                                "run",
                                ExitCodes.VERIFY,
                                "publish.require_speedup 50.00 not met on tflite",
                                PIPELINE_TIMEOUT,
                                d -> pipeline(d, "publish.require_speedup=50"))
                        .then((d, r) -> r.err()
                                        .matches("(?s).*answers one row in [0-9.]+ ms \\(p50\\), the dense"
                                                + " student in [0-9.]+ ms.*")
                                ? List.of()
                                : List.of("the two latencies are not named")),
                new FaultCase(
                                "teacher-savedmodel-replaced",
                                "config",
                                ExitCodes.CONFIG,
                                "changed since this run checked it",
                                CONFIG_TIMEOUT,
                                d -> {
                                    Path model = keras(d, new long[] {-1, 28, 28, 1}, 10, false);
                                    List<String> args =
                                            new ArrayList<>(pipeline(d, "teacher.saved_model.uris=" + model));
                                    args.set(0, "teacher");
                                    CliHarness.Result checked = CliHarness.run(args.toArray(new String[0]));
                                    if (checked.exitCode() != 0) {
                                        throw new IllegalStateException("the teacher check failed: " + checked);
                                    }
                                    // The same URI republished with other weights (the same saved_model.pb).
                                    deleteTree(model);
                                    keras(d, new long[] {-1, 28, 28, 1}, 10, false, 2);
                                    args.set(0, "distill");
                                    return args;
                                })
                        .then((d, r) -> {
                            List<String> problems = new ArrayList<>();
                            if (!r.err().contains("keras-10-1 changed since this run checked it")) {
                                problems.add("the changed teacher's URI is not named");
                            }
                            if (Files.exists(d.resolve("runs/fault/student/weights.bin"))) {
                                problems.add("a student was distilled from the stale logits");
                            }
                            return problems;
                        }),
                teacher(
                        "teacher-savedmodel-class-count",
                        "output 'dense_1' has shape [-1, 5]; expected [-1, 10] (data.num_classes 10)",
                        d -> pipeline(d, "teacher.saved_model.uris=" + keras(d, new long[] {-1, 28, 28, 1}, 5, false))),
                // A Keras-laid-out teacher that fits: softmax detected, the students distilled from it, its
                // record in the published manifest.
                new FaultCase(
                                "teacher-savedmodel-distills",
                                "run",
                                ExitCodes.OK,
                                PUBLISHED,
                                PIPELINE_TIMEOUT,
                                d -> pipeline(
                                        d,
                                        "teacher.saved_model.uris=" + keras(d, new long[] {-1, 28, 28, 1}, 10, false)))
                        .then((d, r) -> {
                            List<String> problems = new ArrayList<>();
                            if (!r.out().contains("input 'conv2d_input', output 'dense_1' (probabilities)")) {
                                problems.add("the softmax output was not detected");
                            }
                            if (Files.exists(d.resolve("runs/fault/teacher/weights.bin"))) {
                                problems.add("a teacher was trained");
                            }
                            JsonNode teachers = JSON.readTree(d.resolve("models/tiny/1/manifest.json")
                                            .toFile())
                                    .path("teachers");
                            if (teachers.size() != 1
                                    || teachers.get(0)
                                                    .path("saved_model_sha256")
                                                    .asText()
                                                    .length()
                                            != 64) {
                                problems.add("the manifest does not record the teacher: " + teachers);
                            }
                            // The run's record (runs list, report.html) counts the brought teacher as done.
                            var teacher = io.distillery.jobs.report.RunRecord.read(
                                            new io.distillery.jobs.pipeline.RunDirectory(
                                                    d.resolve("runs/fault")
                                                            .toUri()
                                                            .toString(),
                                                    java.util.Map.of()),
                                            false)
                                    .stages()
                                    .get(0);
                            if (!teacher.done()
                                    || teacher.testAccuracy() == null
                                    || Math.abs(teacher.testAccuracy()
                                                    - teachers.get(0)
                                                            .path("test_accuracy")
                                                            .asDouble())
                                            > 1e-9) {
                                problems.add("the run record does not count the brought teacher as done: " + teacher);
                            }
                            return problems;
                        }));
    }

    /** Two brought teachers: each one's accuracy and the ensemble's reported, both in the manifest. */
    private static FaultCase ensemble() {
        return new FaultCase("teacher-ensemble", "run", ExitCodes.OK, PUBLISHED, PIPELINE_TIMEOUT, d -> {
                    Path centroid = d.resolve("centroid");
                    io.distillery.jobs.StorageTestSupport.centroidTeacher(centroid, 1200);
                    return pipeline(
                            d,
                            "teacher.saved_model.uris=" + centroid + ","
                                    + keras(d, new long[] {-1, 28, 28, 1}, 10, false));
                })
                .then((d, r) -> {
                    List<String> problems = new ArrayList<>();
                    if (!r.out().contains("teacher          ensemble of 2: test accuracy")) {
                        problems.add("the ensemble's accuracy is not reported");
                    }
                    JsonNode teachers = JSON.readTree(
                                    d.resolve("models/tiny/1/manifest.json").toFile())
                            .path("teachers");
                    if (teachers.size() != 2
                            || teachers.get(0).path("test_accuracy").asDouble() < 0.5) {
                        problems.add("the manifest does not record both teachers and their accuracy: " + teachers);
                    }
                    return problems;
                });
    }

    private static FaultCase teacher(String name, String fragment, FaultCase.Args args) {
        return new FaultCase(name, "config", ExitCodes.CONFIG, fragment, DATA_TIMEOUT, args)
                .then((d, r) -> Files.exists(d.resolve("runs/fault/student-scratch"))
                                || Files.exists(d.resolve("runs/fault/student"))
                        ? List.of("a student trained before the teacher was refused")
                        : List.of());
    }

    /** A linear classifier saved as Keras lays one out, under {@code dir}; its path. */
    private static Path keras(Path dir, long[] inputShape, int classes, boolean intInput) throws Exception {
        return keras(dir, inputShape, classes, intInput, 1);
    }

    private static Path keras(Path dir, long[] inputShape, int classes, boolean intInput, long seed) throws Exception {
        Path saved = dir.resolve("keras-" + classes + (intInput ? "-int" : "") + "-" + inputShape[3]);
        int width = Math.toIntExact(inputShape[1] * inputShape[2] * inputShape[3]);
        float[][] kernel = new float[width][classes];
        java.util.Random random = new java.util.Random(seed);
        for (float[] row : kernel) {
            for (int c = 0; c < classes; c++) {
                row[c] = (float) (0.01 * random.nextGaussian());
            }
        }
        KerasLikeSavedModel.write(
                saved, "serving_default", "conv2d_input", inputShape, "dense_1", kernel, true, intInput);
        return saved;
    }

    /** Plants a run that has finished its teacher with the tiny config. */
    private static void teacherOnly(Path dir) throws Exception {
        List<String> args = new ArrayList<>(pipeline(dir));
        args.set(0, "teacher");
        CliHarness.Result r = CliHarness.run(args.toArray(new String[0]));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("planting the teacher failed: " + r);
        }
    }

    // ------------------------------------------------------------------------------------- helpers

    /** The tiny job config the end-to-end tests use. */
    static String baseConfig(Path dir) {
        return io.distillery.jobs.TinyJob.config(dir);
    }

    static List<String> pipeline(Path dir, String... sets) throws Exception {
        Path conf = dir.resolve("tiny.yaml");
        if (!Files.exists(conf)) {
            Files.writeString(conf, baseConfig(dir));
        }
        List<String> args = new ArrayList<>(List.of("pipeline", "--conf", conf.toString(), "--run-id", "fault"));
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return args;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        }
    }
}
