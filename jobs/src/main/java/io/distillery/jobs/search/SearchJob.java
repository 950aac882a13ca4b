package io.distillery.jobs.search;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.jobs.config.ConfigException;
import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.failure.QualityGateException;
import io.distillery.jobs.pipeline.Deliver;
import io.distillery.jobs.pipeline.ExportStage;
import io.distillery.jobs.pipeline.Pipeline;
import io.distillery.jobs.pipeline.PublishStage;
import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.jobs.pipeline.RunPaths;
import io.distillery.jobs.pipeline.StageOutcome;
import io.distillery.jobs.pipeline.TestSet;
import io.distillery.jobs.pipeline.Versions;
import io.distillery.publish.PublishOptions;
import io.distillery.publish.PublishResult;
import io.distillery.search.Budgets;
import io.distillery.search.SearchSpace;
import io.distillery.search.Selection;
import io.distillery.search.SuccessiveHalving;
import io.distillery.search.Trial;
import io.distillery.search.TrialData;
import io.distillery.search.TrialResult;
import io.distillery.search.TrialSettings;
import io.distillery.stage.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * {@code distillery search}: runs the trials of {@code search.*} as Spark tasks, as many at once as the
 * cluster has task slots, every one learning from the teacher's logits scored once for the run; then
 * chooses, on the validation rows, the smallest (or fastest) model within the budgets, and publishes it.
 *
 * <p>Each finished trial is kept in {@code search/trials/<id>/}; a rerun (or a widened search on the same
 * run) reads finished trials back and runs only the others. {@code search/summary.json} records the
 * choice, the budgets and the Pareto fronts.
 */
public final class SearchJob {
    public static final String TRIALS = "search/trials";
    public static final String SUMMARY = "search/summary.json";

    private final Pipeline pipeline;
    private final SparkSession spark;
    private final PrintStream out;

    public SearchJob(Pipeline pipeline, SparkSession spark, PrintStream out) {
        this.pipeline = pipeline;
        this.spark = spark;
        this.out = out;
    }

    /**
     * @param results every finished trial of this search (all rungs of successive halving)
     * @param reference the teacher's validation accuracy
     * @param failed trials that failed, with their message
     */
    public record Outcome(
            List<TrialResult> results,
            Selection.Choice choice,
            double reference,
            Map<String, String> failed,
            Map<String, Object> summary) {}

    public Outcome search() throws IOException {
        JobConfig config = pipeline.config();
        JobConfig.Search s = config.search();
        pipeline.prepareData();
        pipeline.validationSet(); // what the choice is made on: its absence fails before any training
        if (config.student().recipe(config.data(), "student").augmentation().mixes()) {
            throw new ConfigException("student.augment: mixup is not supported by `distillery search`: its trials"
                    + " learn from the teacher's logits of the unmixed rows, scored once; remove mixup for the search");
        }
        pipeline.recordConfig();
        StageOutcome teacher = pipeline.teacher();
        double reference = pipeline.teacherValidationAccuracy();
        Budgets budgets = s.budgets();
        out.printf(
                Locale.ROOT,
                "search   teacher validation accuracy %.4f (test %.4f): trials must reach %.4f%s%s%n",
                reference,
                teacher.testAccuracy(),
                reference - budgets.maxAccuracyDrop() / 100,
                budgets.maxLatencyMs() > 0
                        ? String.format(Locale.ROOT, ", p50 <= %.3f ms", budgets.maxLatencyMs())
                        : "",
                budgets.maxBytes() > 0 ? String.format(Locale.ROOT, ", <= %,d bytes", budgets.maxBytes()) : "");
        TrialSettings settings = pipeline.searchSettings();
        TrialData data = pipeline.searchData(
                config.export().calibrationBatches() * config.prune().batchSize());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<TrialData> shared = jsc.broadcast(data);
        long started = System.nanoTime();
        Map<String, String> failed = new LinkedHashMap<>();
        List<TrialResult> found = new ArrayList<>();
        try {
            Runner runner = new Runner(jsc, new TrialTask(settings, shared, trialsDir()), settings, s, started, failed);
            SearchSpace space = s.space();
            switch (s.sampler()) {
                case "grid" -> found.addAll(runner.all(space.grid(s.epochs())));
                case "random" -> found.addAll(runner.all(space.sample(count(s, space), s.seed(), s.epochs())));
                default -> {
                    SuccessiveHalving halving = s.halving();
                    List<Trial> rung = space.sample(count(s, space), s.seed(), s.epochs());
                    for (int r = 0; r < halving.rungs() && !rung.isEmpty(); r++) {
                        int epochs = halving.epochs(r, s.epochs());
                        out.printf(
                                "search   rung %d of %d: %d trial(s) at %d epoch(s)%n",
                                r + 1, halving.rungs(), rung.size(), epochs);
                        List<TrialResult> done = runner.all(
                                rung.stream().map(t -> t.withEpochs(epochs)).toList());
                        found.addAll(done);
                        if (r + 1 < halving.rungs()) {
                            rung = done.isEmpty() ? List.of() : halving.promote(done);
                        }
                    }
                }
            }
        } finally {
            shared.destroy();
        }
        // A rung whose epochs equal the one before (a short search.epochs) promotes trials it already has.
        List<TrialResult> results = List.copyOf(found.stream()
                .collect(java.util.stream.Collectors.toMap(TrialResult::id, r -> r, (a, b) -> a, LinkedHashMap::new))
                .values());
        if (results.isEmpty()) {
            throw new IllegalStateException(
                    "search: no trial finished" + (failed.isEmpty() ? "" : "; failed: " + failed));
        }
        Selection.Choice choice = Selection.choose(results, budgets, reference, s.parsedObjective());
        Map<String, Object> summary = summary(results, choice, reference, failed, (System.nanoTime() - started) / 1e9);
        pipeline.runDirectory()
                .writeString(
                        SUMMARY, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
        print(results, choice, reference);
        return new Outcome(results, choice, reference, failed, summary);
    }

    private static int count(JobConfig.Search s, SearchSpace space) {
        return s.trials() == 0 ? space.size() : s.trials();
    }

    private RunDirectory trialsDir() {
        return pipeline.runDirectory().child(TRIALS);
    }

    /** Trials on the cluster: one Spark job of one task per trial, as many at once as there are task slots. */
    private final class Runner {
        private final JavaSparkContext jsc;
        private final TrialTask task;
        private final TrialSettings settings;
        private final JobConfig.Search search;
        private final long started;
        private final Map<String, String> failed;

        Runner(
                JavaSparkContext jsc,
                TrialTask task,
                TrialSettings settings,
                JobConfig.Search search,
                long started,
                Map<String, String> failed) {
            this.jsc = jsc;
            this.task = task;
            this.settings = settings;
            this.search = search;
            this.started = started;
            this.failed = failed;
        }

        List<TrialResult> all(List<Trial> given) throws IOException {
            // Longest first: the slots stay busy to the end instead of one finishing a long trial alone.
            List<Trial> trials = given.stream()
                    .sorted(Comparator.comparingDouble(settings::estimatedCost).reversed())
                    .toList();
            int slots = Math.max(1, spark.sparkContext().defaultParallelism());
            long budgetNanos = search.timeBudgetDuration().toNanos();
            AtomicInteger finished = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(slots, Math.max(1, trials.size())));
            try {
                List<Future<TrialResult>> futures = new ArrayList<>();
                for (Trial trial : trials) {
                    futures.add(pool.submit(() -> {
                        RunDirectory dir = trialsDir().child(trial.id());
                        if (dir.exists(TrialResult.FILE)) {
                            TrialResult r = TrialTask.read(dir);
                            report(r, finished.incrementAndGet(), trials.size(), "finished earlier, kept");
                            return r;
                        }
                        if (budgetNanos > 0 && System.nanoTime() - started > budgetNanos) {
                            out.printf(
                                    "search   %s not started: search.time_budget %s is spent%n",
                                    trial.id(), search.timeBudget());
                            return null;
                        }
                        spark.sparkContext().setJobDescription("distillery search trial " + trial.id());
                        TrialResult r = jsc.parallelize(List.of(trial), 1)
                                .map(task)
                                .collect()
                                .get(0);
                        report(r, finished.incrementAndGet(), trials.size(), r.executor());
                        return r;
                    }));
                }
                List<TrialResult> out = new ArrayList<>();
                for (int i = 0; i < futures.size(); i++) {
                    try {
                        TrialResult r = futures.get(i).get();
                        if (r != null) {
                            out.add(r);
                        }
                    } catch (ExecutionException e) {
                        Throwable cause = e.getCause();
                        String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
                        failed.put(trials.get(i).id(), firstLine(message));
                        SearchJob.this.out.printf(
                                "search   %s failed: %s%n", trials.get(i).id(), firstLine(message));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("search interrupted", e);
                    }
                }
                return out;
            } finally {
                pool.shutdownNow();
            }
        }

        private void report(TrialResult r, int done, int of, String where) {
            SearchJob.this.out.printf(
                    Locale.ROOT,
                    "search   [%d/%d] %-44s validation %.4f  test %.4f  %,9d bytes  p50 %.4f ms  (%.0f s, %s)%n",
                    done,
                    of,
                    r.id(),
                    r.validationAccuracy(),
                    r.testAccuracy(),
                    r.bytes(),
                    r.latencyP50Ms(),
                    r.seconds(),
                    where);
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private Map<String, Object> summary(
            List<TrialResult> results,
            Selection.Choice choice,
            double reference,
            Map<String, String> failed,
            double seconds) {
        JobConfig.Search s = pipeline.config().search();
        Budgets budgets = s.budgets();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sampler", s.sampler());
        m.put("objective", s.objective());
        m.put("reference_validation_accuracy", reference);
        m.put(
                "budgets",
                Map.of(
                        "max_accuracy_drop", budgets.maxAccuracyDrop(),
                        "max_latency_ms", budgets.maxLatencyMs(),
                        "max_bytes", budgets.maxBytes()));
        m.put("chosen", choice.chosen().id());
        m.put("met", choice.met());
        Map<String, Object> checks = new LinkedHashMap<>();
        budgets.check(choice.chosen(), reference)
                .forEach((k, c) -> checks.put(
                        k, Map.of("value", c.value(), "limit", c.limit(), "held", c.held(), "margin", c.margin())));
        m.put("checks", checks);
        m.put("front_size", ids(Selection.front(results, TrialResult::bytes)));
        if (s.latencyCalls() > 0) {
            m.put("front_latency", ids(Selection.front(results, TrialResult::latencyP50Ms)));
        }
        m.put(
                "trial_epochs",
                results.stream().mapToLong(TrialResult::trainEpochs).sum());
        m.put("seconds", seconds);
        m.put("failed", failed);
        m.put("trials", results);
        return m;
    }

    private static List<String> ids(List<TrialResult> results) {
        return results.stream().map(TrialResult::id).toList();
    }

    private void print(List<TrialResult> results, Selection.Choice choice, double reference) {
        JobConfig.Search s = pipeline.config().search();
        Selection.Objective objective = s.parsedObjective();
        List<String> front = ids(Selection.front(results, objective::cost));
        out.println();
        out.printf(
                "%-44s %10s %8s %10s %10s %8s %6s%n",
                "trial", "validation", "test", "bytes", "p50 ms", "params", "budgets");
        results.stream()
                .sorted(Comparator.comparingDouble(objective::cost).thenComparing(TrialResult::id))
                .forEach(r -> out.printf(
                        Locale.ROOT,
                        "%-44s %10.4f %8.4f %,10d %10.4f %,8d %6s%s%n",
                        r.id(),
                        r.validationAccuracy(),
                        r.testAccuracy(),
                        r.bytes(),
                        r.latencyP50Ms(),
                        r.parameters(),
                        s.budgets().met(r, reference) ? "met" : "missed",
                        (r == choice.chosen() ? "  <- chosen" : "") + (front.contains(r.id()) ? "  (front)" : "")));
        out.println();
    }

    /**
     * Publishes the chosen trial's model in every configured format, with a manifest that says which
     * budgets held and by how much; when none met them, exits 6 naming the best effort and what it
     * missed (unless {@code search.publish_best_effort}).
     */
    public PublishResult publish(Outcome outcome) throws IOException {
        JobConfig config = pipeline.config();
        TrialResult chosen = outcome.choice().chosen();
        if (!outcome.choice().met() && !config.search().publishBestEffort()) {
            throw new QualityGateException("search: no trial met every budget; nothing published. The best effort is "
                    + chosen.id() + ", which missed " + missed(chosen, outcome.reference())
                    + ". Widen search.* (wider students, more epochs), relax the budgets, or set"
                    + " search.publish_best_effort=true to publish it anyway");
        }
        RunDirectory trial = trialsDir().child(chosen.id());
        Weights weights = Weights.read(new ByteArrayInputStream(trial.read(TrialResult.WEIGHTS)));
        ModelSpec spec = ModelSpec.of(config.data().shape(), config.data().numClasses(), chosen.layers());
        spec.checkWeights(weights);
        TestSet test = pipeline.testSet();
        TestSet calibration = pipeline.calibrationSample(
                config.export().calibrationBatches() * config.prune().batchSize());
        Path dir = Files.createTempDirectory("distillery-search-" + pipeline.runId() + "-");
        Files.delete(dir);
        try {
            out.printf(
                    "search   chosen %s: %s (%,d parameters)%s%n",
                    chosen.id(),
                    chosen.layers(),
                    chosen.parameters(),
                    outcome.choice().met()
                            ? ""
                            : "; best effort, budgets missed: " + missed(chosen, outcome.reference()));
            Map<String, ExportStage.FormatReport> formats = ExportStage.export(
                    spec,
                    weights,
                    config.export().parsed(),
                    calibration.features(),
                    calibration.rows(),
                    test,
                    dir,
                    out);
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("config", ConfigLoader.toMap(config));
            manifest.put("data", pipeline.dataRecord());
            Map<String, Object> search = new LinkedHashMap<>(outcome.summary());
            search.remove("trials");
            search.put("chosen_trial", chosen);
            search.put(
                    "front", Selection.front(outcome.results(), config.search().parsedObjective()::cost));
            manifest.put("search", search);
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("teacher_validation_accuracy", outcome.reference());
            metrics.put("validation_accuracy", chosen.validationAccuracy());
            metrics.put("test_accuracy", chosen.testAccuracy());
            Map<String, Object> perFormat = new LinkedHashMap<>();
            formats.forEach((k, v) -> perFormat.put(
                    k,
                    v.testAccuracy() == null
                            ? Map.of("file", v.file(), "bytes", v.bytes())
                            : Map.of("file", v.file(), "bytes", v.bytes(), "test_accuracy", v.testAccuracy())));
            metrics.put("formats", perFormat);
            manifest.put("metrics", metrics);
            manifest.put("signature", Deliver.signature(spec));
            manifest.put("versions", Versions.all(spark.version()));
            RunDirectory run = pipeline.runDirectory();
            PublishResult result = PublishStage.publish(
                    RunPaths.modelUri(config),
                    run.configuration(),
                    PublishOptions.defaults().withStaleAge(config.publish().staleAgeDuration()),
                    dir,
                    pipeline.runId() + "-search-" + chosen.id(),
                    manifest);
            run.writeString(
                    "search/publish.json",
                    Json.MAPPER.writeValueAsString(Map.of(
                            "version", result.version(), "uri", result.uri().toString(), "trial", chosen.id())));
            return result;
        } finally {
            if (Files.exists(dir)) {
                RunDirectory.deleteLocalTree(dir); // the local copy, published or not
            }
        }
    }

    private String missed(TrialResult r, double reference) {
        List<String> out = new ArrayList<>();
        pipeline.config().search().budgets().check(r, reference).forEach((k, c) -> {
            if (!c.held()) {
                out.add(
                        switch (k) {
                            case "accuracy" ->
                                String.format(Locale.ROOT, "accuracy (validation %.4f < %.4f)", c.value(), c.limit());
                            case "latency" ->
                                String.format(Locale.ROOT, "latency (p50 %.4f ms > %.4f ms)", c.value(), c.limit());
                            default -> String.format(Locale.ROOT, "size (%,.0f bytes > %,.0f)", c.value(), c.limit());
                        });
            }
        });
        return String.join(" and ", out);
    }
}
