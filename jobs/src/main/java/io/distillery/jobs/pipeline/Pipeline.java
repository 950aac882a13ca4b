package io.distillery.jobs.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.core.train.EpochMetrics;
import io.distillery.core.train.TrainingLoop;
import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.data.DataLoader;
import io.distillery.jobs.data.DataStats;
import io.distillery.jobs.data.DataValidator;
import io.distillery.jobs.spark.BarrierPreflight;
import io.distillery.jobs.spark.ProgressMonitor;
import io.distillery.jobs.spark.StageRequest;
import io.distillery.jobs.spark.StageResult;
import io.distillery.jobs.spark.StageRunner;
import io.distillery.jobs.spark.StageTask;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.catalyst.InternalRow;
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

  static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final JobConfig config;
  private final String runId;
  private final SparkSession spark;
  private final RunDirectory run;
  private final PrintStream out;
  private Dataset<Row> train;
  private JavaRDD<InternalRow> trainPartitions;
  private DataStats trainStats;
  private DataStats testStats;
  private TestSet testSet;

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
    Dataset<Row> indexed = DataLoader.read(spark, d.train(), d.format(), "train", workers)
        .withColumn(ROW_ID, functions.monotonically_increasing_id());
    if (d.limit() > 0) {
      indexed = indexed.orderBy(ROW_ID).limit(d.limit());
    }
    Dataset<Row> trainRaw = indexed.drop(ROW_ID);
    Dataset<Row> testRaw = DataLoader.read(spark, d.test(), d.format(), "test", 1);
    if (d.testLimit() > 0) {
      // The rows evaluated are the rows recorded (data.json, the report): the first test_limit of them.
      testRaw = testRaw.withColumn(ROW_ID, functions.monotonically_increasing_id())
          .orderBy(ROW_ID).limit(d.testLimit()).drop(ROW_ID);
    }
    trainStats = DataValidator.validate(trainRaw, d.train(), d.width(), d.numClasses(), hint);
    testStats = DataValidator.validate(testRaw, d.test(), d.width(), d.numClasses(), hint);
    TrainingLoop.Plan probe = config.teacher().plan(config.seed());
    if (trainStats.rows() < (long) workers * probe.batchSize()) {
      throw new io.distillery.jobs.data.DataException(
          d.train() + ": " + trainStats.rows() + " rows are fewer than spark.workers × batch_size = "
              + workers + " × " + probe.batchSize());
    }
    train = indexed.repartition(workers).sortWithinPartitions(ROW_ID).drop(ROW_ID)
        .persist(StorageLevel.MEMORY_AND_DISK());
    trainPartitions = train.queryExecution().toRdd().toJavaRDD();
    testSet = TestSet.collect(testRaw, d.width(), d.testLimit());
    out.printf(
        "data     %d training rows (hash %s), %d test rows, %d worker(s)%n",
        trainStats.rows(), trainStats.hash(), testSet.rows(), workers);
    run.writeString("data.json", JSON.writeValueAsString(Map.of("train", trainStats, "test", testStats)));
  }

  /**
   * Fails with a config error when the pruning schedule cannot fit the fine-tuning steps this data
   * gives (e.g. prune.end_step beyond them). The steps depend on the rows per worker, so this waits for
   * the data; run before the teacher, it costs seconds instead of every training stage before pruning.
   */
  public void checkPruneSchedule() throws IOException {
    ModelSpec student = config.student().modelSpec(config.data(), "student");
    if (load(Stages.PRUNED, student) != null) {
      return;
    }
    prepareData();
    JobConfig.Prune prune = config.prune();
    long[] shards = BarrierPreflight.shardRows(trainPartitions);
    int steps = BarrierPreflight.stepsPerEpoch(shards, prune.batchSize());
    StageTask.schedule(prune, new TrainingLoop.Plan(prune.epochs(), prune.batchSize(), steps, config.seed()), 0);
    if (prune.schedule().equals("polynomial_decay")) {
      long ramp = StageTask.rampEnd(prune, (long) prune.epochs() * steps) - prune.beginStep();
      int frequency = StageTask.maskFrequency(prune, ramp);
      if (frequency != prune.frequency()) {
        out.printf("prune            prune.frequency %d gives %d mask update(s) over the %d-step ramp on this data;"
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

  public StageOutcome teacher() throws IOException {
    ModelSpec spec = config.teacher().modelSpec(config.data(), "teacher");
    return stage(Stages.TEACHER, spec, config.teacher(), null, null, null);
  }

  /** The student trained without a teacher: the baseline distillation must beat. */
  public StageOutcome scratchStudent() throws IOException {
    ModelSpec spec = config.student().modelSpec(config.data(), "student");
    return stage(Stages.SCRATCH, spec, config.student(), null, null, null);
  }

  public StageOutcome distilledStudent() throws IOException {
    StageOutcome teacher = requireDone(Stages.TEACHER, "teacher");
    ModelSpec spec = config.student().modelSpec(config.data(), "student");
    return stage(Stages.STUDENT, spec, config.student(), teacher, null, null);
  }

  /**
   * Fine-tunes the distilled student under pruning with the same distillation loss: fine-tuning on
   * the labels alone gives back what the teacher taught (measured: −1.65 points instead of −0.5).
   */
  public StageOutcome prunedStudent() throws IOException {
    StageOutcome student = requireDone(Stages.STUDENT, "distill");
    StageOutcome teacher = requireDone(Stages.TEACHER, "teacher");
    JobConfig.Training t = config.prune().training(config.student().layers());
    return stage(Stages.PRUNED, student.spec(), t, teacher, student.weights(), config.prune());
  }

  private StageOutcome stage(
      String name, ModelSpec spec, JobConfig.Training training, StageOutcome teacher, Weights initial,
      JobConfig.Prune prune) throws IOException {
    RunDirectory dir = run.child(name);
    StageOutcome done = load(name, spec);
    if (done != null) {
      out.printf("%-16s already done in this run: test accuracy %.4f (skipped)%n", name, done.testAccuracy());
      return done;
    }
    prepareData();
    recordConfig();
    StageRequest request =
        new StageRequest(
            name, spec, training.plan(config.seed()), training.optimizerSpec(name), initial,
            teacher == null ? null : teacher.spec(), teacher == null ? null : teacher.weights(),
            teacher == null ? null : config.distill(), prune, dir, 0)
            .withCluster(config.spark());
    out.printf("%-16s training %s for %d epochs%n", name, spec.layers(), training.epochs());
    long started = System.nanoTime();
    StageResult result;
    try (ProgressMonitor monitor = new ProgressMonitor(dir, name, out)) {
      result = StageRunner.run(trainPartitions, request);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    double accuracy = testSet.accuracy(spec, result.weights());
    out.printf("%-16s test accuracy %.4f (%.0f s)%n", name, accuracy, seconds);
    dir.write("weights.bin", result.weights()::write);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("stage", name);
    summary.put("test_accuracy", accuracy);
    summary.put("seconds", seconds);
    summary.put("steps", result.steps());
    summary.put("parameters", result.weights().size());
    summary.put("non_zero_parameters", result.weights().nonZeros());
    summary.put("epochs", epochMaps(result.epochs()));
    dir.writeString("result.json", JSON.writeValueAsString(summary));
    MetricsLog.append(run, name, result.epochs(), accuracy);
    return new StageOutcome(name, spec, result.weights(), accuracy, result.epochs(), seconds);
  }

  /** A finished stage's outcome from the run directory, or null. */
  public StageOutcome load(String name, ModelSpec spec) throws IOException {
    RunDirectory dir = run.child(name);
    if (!dir.exists("weights.bin") || !dir.exists("result.json")) {
      return null;
    }
    Weights w = Weights.read(new ByteArrayInputStream(dir.read("weights.bin")));
    Map<?, ?> summary = JSON.readValue(dir.read("result.json"), Map.class);
    double acc = ((Number) summary.get("test_accuracy")).doubleValue();
    double seconds = ((Number) summary.get("seconds")).doubleValue();
    return new StageOutcome(name, spec, w, acc, List.of(), seconds);
  }

  private StageOutcome requireDone(String stage, String command) throws IOException {
    ModelSpec spec =
        stage.equals(Stages.TEACHER)
            ? config.teacher().modelSpec(config.data(), "teacher")
            : config.student().modelSpec(config.data(), "student");
    StageOutcome o = load(stage, spec);
    if (o == null) {
      throw new MissingStageException(
          "stage '" + stage + "' has no result in " + run.uri() + "; run `distillery " + command
              + " --run-id " + runId + "` first (or `distillery pipeline`)");
    }
    return o;
  }

  static List<Map<String, Object>> epochMaps(List<EpochMetrics> epochs) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (EpochMetrics m : epochs) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("epoch", m.epoch());
      e.put("steps", m.steps());
      e.put("loss", m.loss());
      e.put("accuracy", m.accuracy());
      e.put("seconds", m.seconds());
      out.add(e);
    }
    return out;
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
  }
}
