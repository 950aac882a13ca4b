package io.distillery.jobs.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.core.data.Columns;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.core.train.TrainingLoop;
import io.distillery.export.savedmodel.SavedModelWriter;
import io.distillery.jobs.config.ConfigException;
import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.data.DataLoader;
import io.distillery.jobs.data.DataStats;
import io.distillery.jobs.data.DataValidator;
import io.distillery.jobs.failure.MissingStageException;
import io.distillery.jobs.spark.BarrierPreflight;
import io.distillery.jobs.spark.ProgressMonitor;
import io.distillery.jobs.spark.StageRequest;
import io.distillery.jobs.spark.StageRunner;
import io.distillery.jobs.spark.TeacherLogits;
import io.distillery.prune.PruningPlan;
import io.distillery.search.TrialData;
import io.distillery.search.TrialSettings;
import io.distillery.stage.Json;
import io.distillery.stage.StagePlan;
import io.distillery.stage.StageResult;
import io.distillery.stage.StageSummary;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * The job: data → teacher → students (from scratch and distilled) → pruned → export → publish.
 *
 * <p>Each stage keeps its result in the run directory ({@code <run_dir>/<run_id>/<stage>/}) and is
 * skipped when that result exists, so a failed or interrupted run continues where it stopped, a
 * scheduler can run the stages as separate tasks, and re-running a finished stage changes nothing.
 */
public final class Pipeline {
    /** A column the training rows carry only while they are put in order (a name no data set uses). */
    private static final String ROW_ID = "__distillery_row_id";

    static final ObjectMapper JSON = Json.MAPPER;
    private static final String WEIGHTS = "weights.bin";
    /** A trained teacher's or distilled student's SavedModel in its stage directory, for later runs to bring. */
    public static final String SAVED_MODEL = "savedmodel";
    /** What {@code teacher/logits/} holds: the teacher it was scored with, rows, files and their hash. */
    private static final String LOGITS_RECORD = "logits.json";
    /** The key of {@code data.json} that names the teacher's logits the students learn from. */
    private static final String TEACHER_LOGITS = "teacher_logits";

    private final JobConfig config;
    private final String runId;
    private final SparkSession spark;
    private final RunDirectory run;
    /** Whether this command checked that the recorded brought teachers are still the same files. */
    private boolean teachersVerified;

    private final PrintStream out;
    private Dataset<Row> train;
    private JavaRDD<InternalRow> trainPartitions;
    private DataStats trainStats;
    private DataStats testStats;
    /** The labelled and the unlabeled rows together ({@code data.unlabeled}), or null. */
    private Dataset<Row> withUnlabeled;

    private JavaRDD<InternalRow> withUnlabeledPartitions;
    private DataStats unlabeledStats;
    private TestSet testSet;
    private TestSet validationSet;

    public Pipeline(JobConfig config, String runId, SparkSession spark, PrintStream out) {
        this.config = config;
        this.runId = runId;
        this.spark = spark;
        this.out = out;
        Map<String, String> hadoop = new LinkedHashMap<>();
        spark.sparkContext().hadoopConfiguration().forEach(e -> hadoop.put(e.getKey(), e.getValue()));
        this.run = new RunDirectory(RunPaths.runUri(config, runId), hadoop);
    }

    public RunDirectory runDirectory() {
        return run;
    }

    public String runId() {
        return runId;
    }

    public JobConfig config() {
        return config;
    }

    /** Records the config the run uses (first stage to run writes it). */
    public void recordConfig() throws IOException {
        if (!run.exists("config.yaml")) {
            run.writeString("config.yaml", ConfigLoader.toYaml(config));
        }
    }

    // ---------------------------------------------------------------- data

    /** Reads and validates both data sets once; bad data fails here, before any training. */
    public void prepareData() throws IOException {
        if (train != null) {
            return;
        }
        JobConfig.Data d = config.data();
        int workers = config.spark().workers();
        String hint = "check data.num_classes";
        out.println("data     reading " + d.train() + " and " + d.test());
        // Every row keeps its place in the input, so each run (and each recomputation after a lost
        // executor) gives every worker the same rows in the same order: runs are reproducible, and a stage
        // resumed from a checkpoint replays exactly the batches it lost. (Shuffle blocks arrive in any
        // order, and a plain limit takes whichever partitions come first.)
        Dataset<Row> all = DataLoader.read(spark, d.train(), d.format(), "train", workers)
                .withColumn(ROW_ID, functions.monotonically_increasing_id());
        Dataset<Row> labelled = d.limit() > 0 ? all.orderBy(ROW_ID).limit(d.limit()) : all;
        Dataset<Row> indexed = labelled;
        Dataset<Row> validationRaw = null;
        if (d.validationFraction() > 0) {
            // A fixed share of rows, picked by a hash of their place and the seed: the same rows every run.
            var held = functions
                    .pmod(
                            functions.xxhash64(functions.col(ROW_ID), functions.lit(config.seed())),
                            functions.lit(1_000_000))
                    .lt(functions.lit(Math.round(d.validationFraction() * 1_000_000)));
            validationRaw = indexed.filter(held).orderBy(ROW_ID).drop(ROW_ID);
            indexed = indexed.filter(functions.not(held));
        }
        Dataset<Row> trainRaw = indexed.drop(ROW_ID);
        Dataset<Row> testRaw = DataLoader.read(spark, d.test(), d.format(), "test", 1);
        if (d.testLimit() > 0) {
            // The rows evaluated are the rows recorded (data.json, the report): the first test_limit of them.
            testRaw = testRaw.withColumn(ROW_ID, functions.monotonically_increasing_id())
                    .orderBy(ROW_ID)
                    .limit(d.testLimit())
                    .drop(ROW_ID);
        }
        trainStats = DataValidator.validate(trainRaw, d.train(), d.width(), d.numClasses(), hint);
        testStats = DataValidator.validate(testRaw, d.test(), d.width(), d.numClasses(), hint);
        TrainingLoop.Plan probe = config.teacher().plan(config.seed());
        if (trainStats.rows() < (long) workers * probe.batchSize()) {
            throw new io.distillery.jobs.data.DataException(d.train() + ": " + trainStats.rows()
                    + " rows are fewer than spark.workers × batch_size = " + workers + " × " + probe.batchSize());
        }
        train = partitioned(indexed, workers);
        trainPartitions = train.queryExecution().toRdd().toJavaRDD();
        testSet = TestSet.collect(testRaw, d.width(), d.testLimit());
        Map<String, Object> record = new LinkedHashMap<>(Map.of("train", trainStats, "test", testStats));
        if (d.hasUnlabeled()) {
            Dataset<Row> unlabeled = d.unlabeled().equals(JobConfig.Data.REST)
                    // The rows after the first data.limit, in input order (the held-out validation rows are
                    // among the labelled ones, never here).
                    ? all.filter(functions.col(ROW_ID).gt(functions.lit(lastId(labelled))))
                            .withColumn(Columns.LABEL, functions.lit(-1))
                    // Their own places, after every labelled row's.
                    : DataLoader.readUnlabeled(spark, d.unlabeled(), workers)
                            .withColumn(
                                    ROW_ID,
                                    functions.monotonically_increasing_id().plus(functions.lit(1L << 62)));
            unlabeledStats = DataValidator.validateUnlabeled(unlabeled.drop(ROW_ID), d.unlabeled(), d.width());
            record.put("unlabeled", unlabeledStats);
            withUnlabeled = partitioned(indexed.unionByName(unlabeled), workers);
            withUnlabeledPartitions = withUnlabeled.queryExecution().toRdd().toJavaRDD();
            out.printf(
                    "data     %d unlabeled rows (hash %s) join the distillation%n",
                    unlabeledStats.rows(), unlabeledStats.hash());
        }
        if (validationRaw != null) {
            validationSet = TestSet.collect(validationRaw, d.width(), 0);
            record.put("validation", Map.of("rows", validationSet.rows(), "fraction", d.validationFraction()));
        }
        out.printf(
                "data     %d training rows (hash %s), %s%d test rows, %d worker(s)%n",
                trainStats.rows(),
                trainStats.hash(),
                validationSet == null ? "" : validationSet.rows() + " validation rows, ",
                testSet.rows(),
                workers);
        if (run.exists("data.json")) {
            // Scored by an earlier command of this run: still the logits its students learn from.
            Object scored = JSON.readValue(run.read("data.json"), Map.class).get(TEACHER_LOGITS);
            if (scored != null) {
                record.put(TEACHER_LOGITS, scored);
            }
        }
        run.writeString("data.json", JSON.writeValueAsString(record));
    }

    private static long lastId(Dataset<Row> rows) {
        return rows.agg(functions.max(ROW_ID)).first().getLong(0);
    }

    /** Rows split one partition per worker, each in input order, kept for the run's stages. */
    private static Dataset<Row> partitioned(Dataset<Row> indexed, int workers) {
        return indexed.repartition(workers)
                .sortWithinPartitions(ROW_ID)
                .drop(ROW_ID)
                .persist(StorageLevel.MEMORY_AND_DISK());
    }

    /**
     * The partitions a stage trains on: the labelled rows, and for the stages that learn from the
     * teacher, the unlabeled rows too ({@code data.unlabeled}).
     */
    private JavaRDD<InternalRow> partitionsFor(StagePlan plan) {
        boolean taught = plan instanceof StagePlan.Distilled || plan instanceof StagePlan.Pruned;
        return taught && withUnlabeledPartitions != null ? withUnlabeledPartitions : trainPartitions;
    }

    /**
     * Fails with a config error when the pruning schedule cannot fit the fine-tuning steps this data
     * gives (e.g. prune.end_step beyond them). The steps depend on the rows per worker, so this waits for
     * the data; run before the teacher, it costs seconds instead of every training stage before pruning.
     */
    public void checkPruneSchedule() throws IOException {
        ModelSpec student = config.student().modelSpec(config.data(), "student");
        if (load(Stages.PRUNED, student, null) != null) {
            return;
        }
        prepareData();
        JobConfig.Prune prune = config.prune();
        PruningPlan plan = prune.plan();
        long[] shards =
                BarrierPreflight.shardRows(withUnlabeledPartitions != null ? withUnlabeledPartitions : trainPartitions);
        int steps = BarrierPreflight.stepsPerEpoch(shards, prune.batchSize());
        try {
            plan.schedule(prune.epochs(), steps);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
        if (plan.kind() == PruningPlan.Kind.POLYNOMIAL_DECAY) {
            long ramp = plan.rampEnd((long) prune.epochs() * steps) - prune.beginStep();
            int frequency = plan.maskFrequency(ramp);
            if (frequency != prune.frequency()) {
                out.printf(
                        "prune            prune.frequency %d gives %d mask update(s) over the %d-step ramp on this data;"
                                + " updating every %d steps instead (%d updates)%n",
                        prune.frequency(), ramp / prune.frequency(), ramp, frequency, ramp / frequency);
            }
        }
    }

    public TestSet testSet() throws IOException {
        prepareData();
        return testSet;
    }

    // ---------------------------------------------------------------- training stages

    /** Trains the teacher, or checks and measures the teachers the user brought ({@code teacher.saved_model}). */
    public StageOutcome teacher() throws IOException {
        if (!config.teacherBrought()) {
            return stage(teacherPlan());
        }
        long started = System.nanoTime();
        BroughtTeachers brought = broughtTeachers();
        return new StageOutcome(
                Stages.TEACHER,
                null,
                null,
                brought.testAccuracy(),
                null,
                List.of(),
                (System.nanoTime() - started) / 1e9);
    }

    /**
     * The brought teachers as checked by this run: checked (before any training) and recorded by the
     * first stage that needs them, read back after that.
     */
    public BroughtTeachers broughtTeachers() throws IOException {
        RunDirectory dir = run.child(Stages.TEACHER);
        if (dir.exists(BroughtTeachers.FILE)) {
            BroughtTeachers recorded = BroughtTeachers.read(dir);
            if (!teachersVerified) {
                recorded.checkUnchanged(run);
                teachersVerified = true;
            }
            return recorded;
        }
        prepareData();
        recordConfig();
        out.println("teacher          checking "
                + String.join(", ", config.teacher().savedModel().uris()));
        BroughtTeachers brought = BroughtTeachers.check(config, run, testSet);
        for (BroughtTeachers.Teacher t : brought.teachers()) {
            out.printf(
                    "teacher          %s: signature '%s', input '%s', output '%s' (%s), test accuracy %.4f%n",
                    t.uri(), t.signature(), t.inputKey(), t.outputKey(), t.output(), t.testAccuracy());
        }
        if (brought.teachers().size() > 1) {
            out.printf(
                    "teacher          ensemble of %d: test accuracy %.4f%n",
                    brought.teachers().size(), brought.testAccuracy());
        }
        brought.write(dir);
        teachersVerified = true;
        MetricsLog.append(run, Stages.TEACHER, List.of(), brought.testAccuracy());
        return brought;
    }

    /** Where the students' soft targets come from: the run's trained teacher, or the brought ones. */
    private StagePlan.TeacherSource teacherSource() throws IOException {
        if (config.teacherBrought()) {
            return broughtTeachers().source(config.teacher().savedModel());
        }
        return requireDone(teacherPlan(), "teacher").model();
    }

    /** The student trained without a teacher: the baseline distillation must beat. */
    public StageOutcome scratchStudent() throws IOException {
        return stage(new StagePlan.Scratch(studentSpec(), training(config.student(), "student")));
    }

    public StageOutcome distilledStudent() throws IOException {
        return stage(distilledPlan(teacherSource()));
    }

    public StageOutcome prunedStudent() throws IOException {
        // The stage just before is the one to name when neither has run.
        requireDone(StagePlan.STUDENT, studentSpec(), null, "distill");
        StagePlan.TeacherSource teacher = teacherSource();
        StagePlan.Model student = requireDone(distilledPlan(teacher), "distill").model();
        JobConfig.Training fineTuning = config.prune().training(config.student().layers());
        return stage(new StagePlan.Pruned(
                student,
                training(fineTuning, "prune"),
                teaching(teacher),
                config.prune().plan(),
                config.prune().parsedKind()));
    }

    private StagePlan.Teacher teacherPlan() {
        return new StagePlan.Teacher(
                config.teacher().modelSpec(config.data(), "teacher"), training(config.teacher(), "teacher"));
    }

    private StagePlan.Distilled distilledPlan(StagePlan.TeacherSource teacher) {
        return new StagePlan.Distilled(studentSpec(), training(config.student(), "student"), teaching(teacher));
    }

    private ModelSpec studentSpec() {
        return config.student().modelSpec(config.data(), "student");
    }

    private StagePlan.Training training(JobConfig.Training t, String section) {
        return new StagePlan.Training(
                t.plan(config.seed()), t.optimizerSpec(section), t.recipe(config.data(), section));
    }

    private StagePlan.Teaching teaching(StagePlan.TeacherSource teacher) {
        return new StagePlan.Teaching(
                teacher,
                config.distill().alpha(),
                config.distill().temperature(),
                config.distill().consistentTeaching());
    }

    private StageOutcome stage(StagePlan plan) throws IOException {
        String name = plan.name();
        RunDirectory dir = run.child(name);
        StageOutcome done = load(name, plan.spec(), plan.inputs());
        if (done != null) {
            out.printf("%-16s already done in this run: test accuracy %.4f (skipped)%n", name, done.testAccuracy());
            return done;
        }
        prepareData();
        recordConfig();
        StageRequest request = StageRequest.of(plan, dir, config.spark(), teacherLogits(plan));
        out.printf(
                "%-16s training %s for %d epochs%n%s",
                name,
                plan.spec().layers(),
                plan.training().loop().epochs(),
                plan.spec().summary());
        long started = System.nanoTime();
        StageResult result;
        try (ProgressMonitor monitor = new ProgressMonitor(dir, name, out)) {
            result = StageRunner.run(partitionsFor(plan), request);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double accuracy = testSet.accuracy(plan.spec(), result.weights());
        Double validation = validationSet == null ? null : validationSet.accuracy(plan.spec(), result.weights());
        out.printf(
                "%-16s test accuracy %.4f%s (%.0f s)%n",
                name,
                accuracy,
                validation == null ? "" : String.format(java.util.Locale.ROOT, ", validation %.4f", validation),
                seconds);
        if (plan instanceof StagePlan.Teacher || plan instanceof StagePlan.Distilled) {
            writeSavedModel(dir, plan.spec(), result.weights()); // before the weights: they mark the stage done
        }
        dir.write(WEIGHTS, result.weights()::write);
        StageSummary summary = StageSummary.of(plan, result, accuracy, validation, seconds);
        dir.write(StageSummary.FILE, o -> o.write(summary.toJson()));
        MetricsLog.append(run, name, result.epochs(), accuracy);
        return new StageOutcome(name, plan.spec(), result.weights(), accuracy, validation, result.epochs(), seconds);
    }

    /**
     * The trained teacher and the distilled student as SavedModels too ({@code <stage>/savedmodel/}),
     * so that a later run can bring them with {@code teacher.saved_model}: to distill other students
     * from the teacher, in an ensemble, or a distilled student as the next generation's teacher.
     */
    private static void writeSavedModel(RunDirectory dir, ModelSpec spec, Weights weights) throws IOException {
        java.nio.file.Path local = Files.createTempDirectory("distillery-savedmodel-");
        try {
            SavedModelWriter.write(spec, weights, local.resolve(SAVED_MODEL));
            dir.upload(local.resolve(SAVED_MODEL), SAVED_MODEL);
        } finally {
            RunDirectory.deleteLocalTree(local);
        }
    }

    /**
     * Where the teacher's logits for the training rows are, scored once per run for every stage that
     * learns from the teacher (a Spark job, one task per partition); null for a stage that does not.
     */
    private RunDirectory teacherLogits(StagePlan plan) throws IOException {
        StagePlan.Teaching teaching = plan instanceof StagePlan.Distilled d
                ? d.teaching()
                : plan instanceof StagePlan.Pruned p ? p.teaching() : null;
        if (teaching == null) {
            return null;
        }
        RunDirectory teacherDir = run.child(Stages.TEACHER);
        RunDirectory dir = teacherDir.child("logits");
        String teacher = teaching.teacher().sha256();
        String rows = trainStats.hash() + (unlabeledStats == null ? "" : "+" + unlabeledStats.hash());
        if (teacherDir.exists(LOGITS_RECORD)) {
            Map<?, ?> recorded = JSON.readValue(teacherDir.read(LOGITS_RECORD), Map.class);
            if (teacher.equals(recorded.get("teacher_sha256")) && rows.equals(recorded.get("rows_hash"))) {
                return dir;
            }
        }
        JavaRDD<InternalRow> partitions = partitionsFor(plan);
        out.printf(
                "%-16s scoring %d training rows once, on %d worker(s)%n",
                "teacher",
                trainStats.rows() + (unlabeledStats == null ? 0 : unlabeledStats.rows()),
                config.spark().workers());
        long started = System.nanoTime();
        List<TeacherLogits.Part> parts = TeacherLogits.score(
                partitions,
                teaching.teacher(),
                config.data().shape(),
                config.data().numClasses(),
                dir);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("teacher_sha256", teacher);
        record.put("rows_hash", rows);
        record.put("rows", parts.stream().mapToLong(TeacherLogits.Part::rows).sum());
        record.put("sha256", TeacherLogits.sha256(parts));
        record.put("files", parts);
        teacherDir.writeString(LOGITS_RECORD, JSON.writeValueAsString(record));
        // The data a student learns from is the rows and these logits: both in the run's data record.
        Map<String, Object> data = new LinkedHashMap<>(dataRecord());
        data.put(TEACHER_LOGITS, Map.of("uri", dir.uri(), "rows", record.get("rows"), "sha256", record.get("sha256")));
        run.writeString("data.json", JSON.writeValueAsString(data));
        out.printf("%-16s scored in %.0f s: %s%n", "teacher", (System.nanoTime() - started) / 1e9, dir.uri());
        return dir;
    }

    // ---------------------------------------------------------------- search

    /** The rows held out to choose by; fails naming the setting when the run holds none out. */
    public TestSet validationSet() throws IOException {
        prepareData();
        if (validationSet == null) {
            throw new ConfigException("search chooses among trials on validation rows, and this run holds none out:"
                    + " set data.validation_fraction (e.g. --set data.validation_fraction=0.1)");
        }
        return validationSet;
    }

    /** The teacher's accuracy on the validation rows: what search.max_accuracy_drop is measured from. */
    public double teacherValidationAccuracy() throws IOException {
        TestSet validation = validationSet();
        StagePlan.TeacherSource teacher = teacherSource();
        if (teacher instanceof StagePlan.Model m) {
            return validation.accuracy(m.spec(), m.weights());
        }
        return BroughtTeachers.accuracy((StagePlan.Brought) teacher, run, validation, config.data());
    }

    /**
     * What every search trial learns from, gathered once on the driver: the rows the distilled student
     * trains on with the teacher's logits (scored once per run, as for the student), the validation and
     * test rows, and calibration rows for int8.
     */
    public TrialData searchData(int calibrationRows) throws IOException {
        TestSet validation = validationSet();
        StagePlan.TeacherSource teacher = teacherSource();
        StagePlan.Distilled plan = distilledPlan(teacher);
        RunDirectory logits = teacherLogits(plan);
        int width = config.data().width();
        int classes = config.data().numClasses();
        List<SearchRows> parts = new java.util.ArrayList<>(partitionsFor(plan)
                .mapPartitionsWithIndex(SearchRows::read, false)
                .collect());
        parts.sort(java.util.Comparator.comparingInt(SearchRows::partition));
        int rows = parts.stream().mapToInt(p -> p.labels().length).sum();
        float[] x = new float[rows * width];
        float[] z = new float[rows * classes];
        int[] y = new int[rows];
        int at = 0;
        for (SearchRows p : parts) {
            int n = p.labels().length;
            System.arraycopy(p.features(), 0, x, at * width, n * width);
            System.arraycopy(p.labels(), 0, y, at, n);
            float[] l = TeacherLogits.read(logits, p.partition(), p.labels(), classes);
            System.arraycopy(l, 0, z, at * classes, n * classes);
            at += n;
        }
        TestSet calibration = calibrationSample(calibrationRows);
        return new TrialData(
                width,
                classes,
                x,
                y,
                z,
                validation.features(),
                validation.labels(),
                testSet.features(),
                testSet.labels(),
                calibration.features());
    }

    /** One partition's training rows, as collected for the search. */
    private record SearchRows(int partition, float[] features, int[] labels) implements java.io.Serializable {
        static java.util.Iterator<SearchRows> read(Integer partition, java.util.Iterator<InternalRow> rows) {
            List<float[]> x = new java.util.ArrayList<>();
            List<Integer> y = new java.util.ArrayList<>();
            while (rows.hasNext()) {
                InternalRow r = rows.next();
                x.add(r.getArray(0).toFloatArray());
                y.add(r.getInt(1));
            }
            int width = x.isEmpty() ? 0 : x.get(0).length;
            float[] features = new float[x.size() * width];
            for (int i = 0; i < x.size(); i++) {
                System.arraycopy(x.get(i), 0, features, i * width, width);
            }
            return List.of(new SearchRows(
                            partition,
                            features,
                            y.stream().mapToInt(Integer::intValue).toArray()))
                    .iterator();
        }
    }

    /** The search's settings shared by every trial: the student, its training and pruning, the teacher. */
    public TrialSettings searchSettings() throws IOException {
        JobConfig.Search search = config.search();
        JobConfig.Prune prune = config.prune();
        JobConfig.Training fineTuning = new JobConfig.Training(
                config.student().layers(),
                search.pruneEpochs(),
                prune.batchSize(),
                prune.optimizer(),
                prune.learningRate(),
                prune.momentum());
        return new TrialSettings(
                studentSpec(),
                training(config.student(), "student"),
                training(fineTuning, "prune"),
                prune.plan(),
                teacherSource(),
                search.latencyCalls(),
                search.epochs());
    }

    /** A finished stage's outcome from the run directory, or null; fails if it no longer fits {@code spec}. */
    public StageOutcome load(String name, ModelSpec spec) throws IOException {
        return load(name, spec, null);
    }

    /**
     * @param inputs the stage's pinned inputs now ({@link StagePlan#inputs()}), checked against the
     *     recorded ones; null not to check them
     */
    private StageOutcome load(String name, ModelSpec spec, Map<String, String> inputs) throws IOException {
        RunDirectory dir = run.child(name);
        if (!dir.exists(WEIGHTS) || !dir.exists(StageSummary.FILE)) {
            return null;
        }
        Weights w = Weights.read(new ByteArrayInputStream(dir.read(WEIGHTS)));
        StageSummary summary = StageSummary.parse(dir.read(StageSummary.FILE));
        summary.checkFits(name, spec, inputs, w);
        return new StageOutcome(
                name, spec, w, summary.testAccuracy(), summary.validationAccuracy(), List.of(), summary.seconds());
    }

    private StageOutcome requireDone(StagePlan plan, String command) throws IOException {
        return requireDone(plan.name(), plan.spec(), plan.inputs(), command);
    }

    private StageOutcome requireDone(String name, ModelSpec spec, Map<String, String> inputs, String command)
            throws IOException {
        StageOutcome o = load(name, spec, inputs);
        if (o == null) {
            throw new MissingStageException("stage '" + name + "' has no result in " + run.uri() + "; run `distillery "
                    + command + " --run-id " + runId + "` first (or `distillery pipeline`)");
        }
        return o;
    }

    /** The teacher's outcome from the run directory (trained or brought), or null when it has not run. */
    public StageOutcome teacherOutcome() throws IOException {
        if (config.teacherBrought()) {
            RunDirectory dir = run.child(Stages.TEACHER);
            return dir.exists(BroughtTeachers.FILE)
                    ? new StageOutcome(
                            Stages.TEACHER,
                            null,
                            null,
                            BroughtTeachers.read(dir).testAccuracy(),
                            null,
                            List.of(),
                            0)
                    : null;
        }
        return load(Stages.TEACHER, config.teacher().modelSpec(config.data(), "teacher"));
    }

    public DataStats trainStats() throws IOException {
        prepareData();
        return trainStats;
    }

    public DataStats testStats() throws IOException {
        prepareData();
        return testStats;
    }

    /** Data provenance from this run's record (works when the data stage ran in an earlier process). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> dataRecord() throws IOException {
        if (!run.exists("data.json")) {
            prepareData();
        }
        return JSON.readValue(run.read("data.json"), Map.class);
    }

    /** Up to {@code rows} training rows: the representative data set for int8 calibration. */
    public TestSet calibrationSample(int rows) throws IOException {
        prepareData();
        return TestSet.collect(train, config.data().width(), rows);
    }

    public void unpersist() {
        if (train != null) {
            train.unpersist();
        }
        if (withUnlabeled != null) {
            withUnlabeled.unpersist();
        }
    }
}
