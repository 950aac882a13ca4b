package io.distillery.search;

import io.distillery.core.data.Shard;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.core.train.Replica;
import io.distillery.export.latency.Inference;
import io.distillery.export.latency.Latency;
import io.distillery.export.latency.LatencyMeter;
import io.distillery.export.tflite.TfLiteRunner;
import io.distillery.export.tflite.TfLiteWriter;
import io.distillery.prune.PruningKind;
import io.distillery.prune.StructuredPruning;
import io.distillery.stage.Checkpoints;
import io.distillery.stage.StageBody;
import io.distillery.stage.StagePlan;
import io.distillery.stage.StageResult;
import io.distillery.stage.StageStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Runs one trial where it is scheduled, without Spark: distills the scaled student from the shared
 * logits, prunes it while fine-tuning (when the trial prunes), shrinks it (structured pruning), writes
 * its TFLite artifact, and measures that file in the TFLite interpreter: accuracy on the validation and
 * test rows, size, batch-1 latency. Each training part checkpoints into the trial's folder, so a trial
 * whose executor was lost resumes instead of starting over.
 */
public final class TrialRunner {
    private TrialRunner() {}

    /**
     * @param dir the trial's folder ({@code search/trials/<id>/})
     * @param replica where the trainer runs: a local session that keeps to the task's cores
     * @param executor the host running it, for the record
     */
    public static TrialResult run(
            Trial trial,
            TrialSettings settings,
            TrialData data,
            StageStore dir,
            Supplier<Replica> replica,
            String executor)
            throws IOException {
        long started = System.nanoTime();
        ModelSpec spec = StudentFamily.scaled(settings.student(), trial.width());
        StagePlan.Teaching teaching = new StagePlan.Teaching(settings.teacher(), trial.alpha(), trial.temperature());
        Weights weights;
        int epochs = trial.epochs();
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = data.shard(allocator)) {
            StagePlan.Distilled distilled = new StagePlan.Distilled(spec, settings.distillFor(trial), teaching);
            weights = train(distilled, dir.child("student"), shard, replica).weights();
            if (trial.prune() != null) {
                StagePlan.Training fineTuning = settings.pruneFor(trial);
                StagePlan.Pruned pruned = new StagePlan.Pruned(
                        new StagePlan.Model(spec, weights),
                        fineTuning,
                        teaching,
                        settings.pruningFor(trial),
                        trial.prune());
                weights = train(pruned, dir.child("pruned"), shard, replica).weights();
                epochs += fineTuning.loop().epochs();
            }
        }
        ModelSpec exported = spec;
        if (trial.prune() == PruningKind.STRUCTURED) {
            StructuredPruning.Shrunk shrunk = StructuredPruning.shrink(spec, weights);
            exported = shrunk.spec();
            weights = shrunk.weights();
        }
        byte[] artifact = trial.int8()
                ? TfLiteWriter.int8(exported, weights, data.calibration(), data.calibrationRows())
                        .flatbuffer()
                : TfLiteWriter.float32(exported, weights);
        String runtime = trial.int8() ? "tflite-int8" : "tflite";
        double validation;
        double test;
        try (TfLiteRunner runner = new TfLiteRunner(artifact)) {
            validation = accuracy(runner, data.validation(), data.validationLabels(), data.classes());
            test = accuracy(runner, data.test(), data.testLabels(), data.classes());
        }
        double p50 = -1; // not measured (search.latency_calls 0)
        if (settings.latencyCalls() > 0) {
            try (Inference loaded = Inference.tflite(trial.id(), runtime, artifact, 1)) {
                List<Latency> measured = LatencyMeter.measure(
                        List.of(loaded),
                        data.validation(),
                        data.width(),
                        LatencyMeter.Settings.of(settings.latencyCalls()));
                p50 = measured.get(0).p50Ms();
            }
        }
        Weights kept = weights;
        dir.write(TrialResult.WEIGHTS, kept::write);
        return new TrialResult(
                trial.id(),
                trial,
                exported.layers().stream().map(Object::toString).toList(),
                exported.parameterCount(),
                validation,
                test,
                artifact.length,
                gzipped(artifact),
                runtime,
                p50,
                epochs,
                (System.nanoTime() - started) / 1e9,
                executor,
                null);
    }

    private static StageResult train(StagePlan plan, StageStore dir, Shard shard, Supplier<Replica> replica) {
        Checkpoints.Checkpoint from = Checkpoints.latest(dir);
        // Checkpoints at epoch ends: a lost executor costs the trial at most one epoch.
        return new StageBody(plan, dir, 0, from == null ? null : from.name()).run(0, shard, replica);
    }

    static double accuracy(TfLiteRunner runner, float[] features, int[] labels, int classes) {
        float[] p = runner.probabilities(features, labels.length);
        int correct = 0;
        for (int r = 0; r < labels.length; r++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (p[r * classes + c] > p[r * classes + best]) {
                    best = c;
                }
            }
            if (best == labels[r]) {
                correct++;
            }
        }
        return labels.length == 0 ? 0 : (double) correct / labels.length;
    }

    static long gzipped(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.size();
    }
}
