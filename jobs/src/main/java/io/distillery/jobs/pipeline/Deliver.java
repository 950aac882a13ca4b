package io.distillery.jobs.pipeline;

import io.distillery.core.model.Flops;
import io.distillery.core.model.ModelSpec;
import io.distillery.distill.DistillationGain;
import io.distillery.export.ExportFormat;
import io.distillery.export.savedmodel.SavedModelWriter;
import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.failure.MissingStageException;
import io.distillery.jobs.failure.QualityGateException;
import io.distillery.prune.MaskPolicy;
import io.distillery.prune.NmSparsity;
import io.distillery.prune.PruningKind;
import io.distillery.prune.PruningScope;
import io.distillery.prune.SparsityReport;
import io.distillery.prune.StructuredPruning;
import io.distillery.publish.PublishOptions;
import io.distillery.publish.PublishResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The last two stages: export the pruned student in every configured format, then publish it with a
 * manifest that records where it came from and what it is worth.
 */
public final class Deliver {
    private final Pipeline pipeline;
    private final SparkSession spark;
    private final PrintStream out;

    public Deliver(Pipeline pipeline, SparkSession spark, PrintStream out) {
        this.pipeline = pipeline;
        this.spark = spark;
        this.out = out;
    }

    /**
     * Exports into a fresh local directory and records the reports in the run directory. A run whose
     * export is already recorded is not exported again: its files are copied back instead.
     */
    public Path export() throws IOException {
        if (pipeline.runDirectory().exists("export/formats.json")) {
            out.println("export           already done in this run (skipped)");
            return exportedFiles();
        }
        JobConfig config = pipeline.config();
        ModelSpec spec = config.student().modelSpec(config.data(), "student");
        StageOutcome pruned = pipeline.load(Stages.PRUNED, spec);
        if (pruned == null) {
            throw new MissingStageException(
                    "stage 'pruned' has no result in " + pipeline.runDirectory().uri()
                            + "; run `distillery prune --run-id " + pipeline.runId() + "` first");
        }
        checkPrunedAccuracy(); // before exporting what would not be published
        TestSet test = pipeline.testSet();
        TestSet calibration = pipeline.calibrationSample(
                config.export().calibrationBatches() * config.prune().batchSize());
        Path dir = Files.createTempDirectory("distillery-export-" + pipeline.runId() + "-");
        Files.delete(dir);
        StructuredPruning.Shrunk exported = exported(spec, pruned.weights());
        if (exported.spec() != spec) {
            out.printf(
                    "export   structured pruning: %s (%,d parameters) exported as %s (%,d parameters)%n",
                    spec.layers(),
                    spec.parameterCount(),
                    exported.spec().layers(),
                    exported.spec().parameterCount());
        }
        Map<String, ExportStage.FormatReport> reports = ExportStage.export(
                exported.spec(),
                exported.weights(),
                config.export().parsed(),
                calibration.features(),
                calibration.rows(),
                test,
                dir,
                out);
        if (config.export().latencyCalls() > 0) {
            measureLatency(spec, exported, test, dir).write(pipeline.runDirectory());
        }
        Map<String, Object> record = new LinkedHashMap<>();
        reports.forEach((k, v) -> record.put(k, formatMap(v)));
        // The files first: formats.json is the stage's completion mark.
        pipeline.runDirectory().upload(dir, "export/files");
        pipeline.runDirectory().writeString("export/formats.json", Pipeline.JSON.writeValueAsString(record));
        return dir;
    }

    /** Publishes {@code exportDir} (as {@link #export} made it) with the run's manifest. */
    public PublishResult publish(Path exportDir) throws IOException {
        JobConfig config = pipeline.config();
        RunDirectory run = pipeline.runDirectory();
        checkPrunedAccuracy();
        checkSpeedup();
        Map<String, Object> manifest = manifest();
        String modelUri = RunPaths.modelUri(config);
        PublishOptions options =
                PublishOptions.defaults().withStaleAge(config.publish().staleAgeDuration());
        PublishResult result =
                PublishStage.publish(modelUri, run.configuration(), options, exportDir, pipeline.runId(), manifest);
        if (!result.reused() || !run.exists("publish/result.json")) {
            // A repeated publish of this run keeps the record of the first one (re-running is a no-op).
            run.writeString(
                    "publish/result.json",
                    Pipeline.JSON.writeValueAsString(Map.of(
                            "version", result.version(), "uri", result.uri().toString(), "reused", result.reused())));
        }
        return result;
    }

    /** {@code publish.require_speedup}: the exported model must be that much faster than the dense student. */
    private void checkSpeedup() throws IOException {
        JobConfig.Publish publish = pipeline.config().publish();
        if (publish.requireSpeedup() == 0) {
            return;
        }
        if (!pipeline.runDirectory().exists(ExportLatency.FILE)) {
            throw new QualityGateException("publish.require_speedup " + publish.requireSpeedup()
                    + " needs the export's latency, and this run measured none (export.latency_calls is 0)");
        }
        ExportLatency.read(pipeline.runDirectory()).requireSpeedup(publish.requireSpeedup(), publish.speedupRuntime());
    }

    /** A pruned student that lost more than {@code prune.max_accuracy_drop} points is not published. */
    void checkPrunedAccuracy() throws IOException {
        JobConfig config = pipeline.config();
        ModelSpec spec = config.student().modelSpec(config.data(), "student");
        StageOutcome student = pipeline.load(Stages.STUDENT, spec);
        StageOutcome pruned = pipeline.load(Stages.PRUNED, spec);
        if (student == null || pruned == null) {
            return; // the manifest names the missing stage
        }
        // A choice: made on the validation split when there is one, the test set only reports.
        boolean validation = student.validationAccuracy() != null && pruned.validationAccuracy() != null;
        double before = validation ? student.validationAccuracy() : student.testAccuracy();
        double after = validation ? pruned.validationAccuracy() : pruned.testAccuracy();
        double drop = 100 * (before - after);
        if (drop > config.prune().maxAccuracyDrop()) {
            throw new QualityGateException(String.format(
                    java.util.Locale.ROOT,
                    "not published: the pruned student scored %.4f, %.2f points below the distilled student's %.4f"
                            + " on the %s set (prune.max_accuracy_drop = %.2f); prune more gently (more"
                            + " prune.epochs, a lower prune.final_sparsity) or allow more with --set"
                            + " prune.max_accuracy_drop=...",
                    after,
                    drop,
                    before,
                    validation ? "validation" : "test",
                    config.prune().maxAccuracyDrop()));
        }
    }

    /**
     * The model the export writes: the pruned student, without the units structured pruning removed
     * (smaller layers that compute the same function), else the pruned student as it is.
     */
    private StructuredPruning.Shrunk exported(ModelSpec spec, io.distillery.core.model.Weights pruned) {
        return pipeline.config().prune().parsedKind() == PruningKind.STRUCTURED
                ? StructuredPruning.shrink(spec, pruned)
                : new StructuredPruning.Shrunk(spec, pruned);
    }

    /** The exported model against the dense student and the run's own teacher, in TF Java and TFLite. */
    private ExportLatency measureLatency(ModelSpec spec, StructuredPruning.Shrunk exported, TestSet test, Path dir)
            throws IOException {
        JobConfig config = pipeline.config();
        List<ExportLatency.Model> models = new ArrayList<>();
        StageOutcome teacher = pipeline.teacherOutcome();
        if (teacher != null && teacher.spec() != null) { // a brought teacher is not ours to convert
            models.add(new ExportLatency.Model(ExportLatency.TEACHER, teacher.spec(), teacher.weights(), null));
        }
        StageOutcome student = pipeline.load(Stages.STUDENT, spec);
        models.add(new ExportLatency.Model(ExportLatency.STUDENT, spec, student.weights(), null));
        Path int8 = dir.resolve(ExportFormat.TFLITE_INT8.file());
        models.add(new ExportLatency.Model(
                ExportLatency.EXPORTED,
                exported.spec(),
                exported.weights(),
                Files.exists(int8) ? Files.readAllBytes(int8) : null));
        return ExportLatency.measure(
                models, test, config.export().latencyCalls(), config.export().latencyThreads(), out);
    }

    /** A local copy of the run's exported files (for `distillery publish` in a later process). */
    public Path exportedFiles() throws IOException {
        RunDirectory run = pipeline.runDirectory();
        if (!run.exists("export/files")) {
            throw new MissingStageException("stage 'export' has no result in " + run.uri()
                    + "; run `distillery export --run-id " + pipeline.runId() + "` first");
        }
        Path local = Files.createTempDirectory("distillery-publish-" + pipeline.runId() + "-");
        run.fs()
                .copyToLocalFile(
                        false,
                        run.path("export/files"),
                        new org.apache.hadoop.fs.Path(local.resolve("v").toUri()),
                        true);
        return local.resolve("v");
    }

    Map<String, Object> manifest() throws IOException {
        JobConfig config = pipeline.config();
        RunDirectory run = pipeline.runDirectory();
        ModelSpec studentSpec = config.student().modelSpec(config.data(), "student");
        StageOutcome teacher = pipeline.teacherOutcome();
        StageOutcome scratch = pipeline.load(Stages.SCRATCH, studentSpec);
        StageOutcome student = pipeline.load(Stages.STUDENT, studentSpec);
        StageOutcome pruned = pipeline.load(Stages.PRUNED, studentSpec);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config", ConfigLoader.toMap(config));
        m.put("data", pipeline.dataRecord());
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("teacher_test_accuracy", teacher.testAccuracy());
        metrics.put("scratch_student_test_accuracy", scratch.testAccuracy());
        metrics.put("distilled_student_test_accuracy", student.testAccuracy());
        metrics.put("pruned_student_test_accuracy", pruned.testAccuracy());
        DistillationGain gain =
                new DistillationGain(teacher.testAccuracy(), scratch.testAccuracy(), student.testAccuracy());
        metrics.put("distillation_gain_points", gain.points());
        // (distilled − alone) / (teacher − alone); null when the teacher does not lead the student alone.
        metrics.put(
                "distillation_gap_closed",
                gain.gapClosed().isPresent() ? gain.gapClosed().getAsDouble() : null);
        if (run.exists("export/formats.json")) {
            metrics.put("formats", Pipeline.JSON.readValue(run.read("export/formats.json"), Map.class));
        }
        m.put("metrics", metrics);
        m.put("models", summary(teacher, scratch, student, pruned).toMaps());
        if (run.exists(ExportLatency.FILE)) {
            m.put("latency", Pipeline.JSON.readValue(run.read(ExportLatency.FILE), Map.class));
        }
        if (config.teacherBrought()) {
            // Snake case, as every record of the run: saved_model_sha256, test_accuracy.
            m.put(
                    "teachers",
                    Pipeline.JSON.convertValue(pipeline.broughtTeachers().teachers(), List.class));
        }
        m.put(
                "sparsity",
                SparsityReport.of(student.weights(), pruned.weights(), PruningScope.KERNELS)
                        .toMap());
        m.put("compression", compression(studentSpec, pruned.weights()));
        m.put("signature", signature(studentSpec));
        m.put("versions", Versions.all(spark.version()));
        return m;
    }

    /** Parameters and FLOPs of the dense student and of the exported model, and the N:M check. */
    private Map<String, Object> compression(ModelSpec spec, io.distillery.core.model.Weights pruned) {
        PruningKind kind = pipeline.config().prune().parsedKind();
        ModelSpec exported = exported(spec, pruned).spec();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind.key());
        m.put("parameters_dense", spec.parameterCount());
        m.put("parameters_exported", exported.parameterCount());
        m.put("forward_flops_dense", Flops.forward(spec));
        m.put("forward_flops_exported", Flops.forward(exported));
        m.put(
                "layers_exported",
                exported.layers().stream().map(Object::toString).toList());
        if (kind == PruningKind.NM_2_4) {
            // The kernels the policy masked (every one but the depthwise), each checked group by group.
            m.put(
                    "nm_2_4_holds",
                    MaskPolicy.of(kind, spec).maskedVariables(pruned).stream()
                            .allMatch(n -> NmSparsity.holds(pruned.get(n), 2, NmSparsity.GROUP)));
        }
        return m;
    }

    /** The manifest's {@code signature}: what serving_default takes and returns for {@code spec}. */
    public static Map<String, Object> signature(ModelSpec spec) {
        return Map.of(
                "name", SavedModelWriter.SIGNATURE,
                "input", tensor(SavedModelWriter.INPUT_KEY, spec.inputSize()),
                "output", tensor(SavedModelWriter.OUTPUT_KEY, spec.numClasses()));
    }

    private static Map<String, Object> tensor(String name, int width) {
        return Map.of("name", name, "dtype", "float32", "shape", Arrays.asList(-1, width));
    }

    public static RunSummary summary(
            StageOutcome teacher, StageOutcome scratch, StageOutcome student, StageOutcome pruned) {
        return new RunSummary()
                .add("teacher", teacher)
                .add("student (scratch)", scratch)
                .add("student (distilled)", student)
                .add("student (pruned)", pruned);
    }

    private static Map<String, Object> formatMap(ExportStage.FormatReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", r.file());
        m.put("bytes", r.bytes());
        if (r.testAccuracy() != null) {
            m.put("test_accuracy", r.testAccuracy());
        }
        return m;
    }
}
