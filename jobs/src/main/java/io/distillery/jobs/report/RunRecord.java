package io.distillery.jobs.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.distillery.core.model.Weights;
import io.distillery.jobs.pipeline.BroughtTeachers;
import io.distillery.jobs.pipeline.ExportLatency;
import io.distillery.jobs.pipeline.MetricsLog;
import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.jobs.pipeline.Stages;
import io.distillery.jobs.search.SearchJob;
import io.distillery.prune.GzipSize;
import io.distillery.stage.Json;
import io.distillery.stage.Progress;
import io.distillery.stage.StageSummary;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Everything a run directory records about its run, read from the files the stages write: the
 * config, the per-epoch lines of {@code metrics.jsonl}, each training stage's {@code result.json},
 * the export report, the published version, the last failure and the search summary. Read-only;
 * reading a run never changes it.
 *
 * @param stages the training stages in pipeline order (teacher, student-scratch, student, pruned),
 *     each present even if it has not run
 * @param exports exported formats by name, in export order (empty until the export stage ran)
 * @param published the version this run published, or null
 * @param failure the last failed command, or null
 * @param data the data provenance ({@code data.json}), or an empty map
 * @param search what {@code distillery search} recorded ({@code search/summary.json}), or null
 */
public record RunRecord(
        String runId,
        String uri,
        String modelName,
        String configYaml,
        List<StageRecord> stages,
        Map<String, ExportRecord> exports,
        Published published,
        FailureRecord failure,
        Map<String, Object> data,
        ExportLatency latency,
        SearchRecord search) {

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The CLI commands of a run, in order; a scheduler runs one task per command. */
    public static final List<String> COMMANDS = List.of("teacher", "distill", "prune", "export", "publish");

    /** One epoch of a training stage, as {@code metrics.jsonl} records it (epochs count from 1). */
    public record Epoch(int epoch, double loss, double accuracy, double seconds) {}

    /**
     * A training stage.
     *
     * @param gzipBytes gzip-compressed size of its weights, or null if not measured
     */
    public record StageRecord(
            String stage,
            String label,
            boolean done,
            List<Epoch> epochs,
            Double testAccuracy,
            Double seconds,
            Long parameters,
            Long nonZeros,
            Long gzipBytes) {}

    /** One exported file (or directory, for TF.js) and what it scores in its own runtime. */
    public record ExportRecord(String format, String file, long bytes, Double testAccuracy) {}

    /** The version a run published. */
    public record Published(long version, String uri) {}

    /** Display names of the training stages, as in the run's summary table. */
    public static String label(String stage) {
        return switch (stage) {
            case Stages.TEACHER -> "teacher";
            case Stages.SCRATCH -> "student (scratch)";
            case Stages.STUDENT -> "student (distilled)";
            case Stages.PRUNED -> "student (pruned)";
            default -> stage;
        };
    }

    /** True if the directory holds any file a run writes. */
    public static boolean looksLikeRun(RunDirectory run) {
        return Stream.of("config.yaml", MetricsLog.FILE, "data.json", FailureRecord.FILE)
                .anyMatch(run::exists);
    }

    /**
     * Reads a run.
     *
     * @param measureWeights also read each stage's weights to measure their compressed size (the
     *     report's size chart); {@code runs list} skips it
     */
    public static RunRecord read(RunDirectory run, boolean measureWeights) throws IOException {
        String id = run.uri().substring(run.uri().lastIndexOf('/') + 1);
        String configYaml = run.exists("config.yaml") ? run.readString("config.yaml") : "";
        String name = "";
        if (!configYaml.isBlank()) {
            Map<?, ?> config = YAML.readValue(configYaml, Map.class);
            name = config == null || config.get("name") == null ? "" : String.valueOf(config.get("name"));
        }
        Map<String, Map<Integer, Epoch>> epochs = new LinkedHashMap<>();
        Map<String, Double> testAccuracy = new LinkedHashMap<>();
        if (run.exists(MetricsLog.FILE)) {
            for (String line : run.readString(MetricsLog.FILE).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                Map<?, ?> m = JSON.readValue(line, Map.class);
                String stage = String.valueOf(m.get("stage"));
                if (m.get("epoch") instanceof Number e) {
                    // A stage that ran again (its result deleted by hand) starts a new series: last one wins.
                    Map<Integer, Epoch> series = epochs.computeIfAbsent(stage, k -> new TreeMap<>());
                    if (e.intValue() == 1) {
                        series.clear();
                    }
                    series.put(
                            e.intValue(),
                            new Epoch(
                                    e.intValue(),
                                    number(m, "loss"),
                                    number(m, "train_accuracy"),
                                    number(m, "seconds")));
                } else if (m.get("test_accuracy") instanceof Number a) {
                    testAccuracy.put(stage, a.doubleValue());
                }
            }
        }
        List<StageRecord> stages = new ArrayList<>();
        for (String stage : Stages.TRAINING) {
            RunDirectory dir = run.child(stage);
            // A brought teacher (teacher.saved_model) is done once checked and measured: no weights of ours.
            boolean brought = stage.equals(Stages.TEACHER) && dir.exists(BroughtTeachers.FILE);
            boolean done = brought || dir.exists(StageSummary.FILE) && dir.exists("weights.bin");
            Double acc = testAccuracy.get(stage);
            Double seconds = null;
            Long parameters = null;
            Long nonZeros = null;
            Long gzip = null;
            if (brought) {
                acc = BroughtTeachers.read(dir).testAccuracy();
            } else if (done) {
                StageSummary result = StageSummary.parse(dir.read(StageSummary.FILE));
                acc = result.testAccuracy();
                seconds = result.seconds();
                parameters = result.parameters();
                nonZeros = result.nonZeroParameters();
                if (measureWeights) {
                    Weights w = Weights.read(new ByteArrayInputStream(dir.read("weights.bin")));
                    gzip = GzipSize.of(w);
                    parameters = parameters == null ? w.size() : parameters;
                    nonZeros = nonZeros == null ? w.nonZeros() : nonZeros;
                }
            }
            List<Epoch> series =
                    new ArrayList<>(epochs.getOrDefault(stage, Map.of()).values());
            stages.add(new StageRecord(
                    stage, label(stage), done, List.copyOf(series), acc, seconds, parameters, nonZeros, gzip));
        }
        Map<String, ExportRecord> exports = new LinkedHashMap<>();
        if (run.exists("export/formats.json")) {
            Map<?, ?> formats = JSON.readValue(run.read("export/formats.json"), Map.class);
            for (Map.Entry<?, ?> e : formats.entrySet()) {
                Map<?, ?> f = (Map<?, ?>) e.getValue();
                exports.put(
                        String.valueOf(e.getKey()),
                        new ExportRecord(
                                String.valueOf(e.getKey()),
                                String.valueOf(f.get("file")),
                                f.get("bytes") instanceof Number b ? b.longValue() : 0,
                                f.get("test_accuracy") instanceof Number a ? a.doubleValue() : null));
            }
        }
        Published published = null;
        if (run.exists("publish/result.json")) {
            Map<?, ?> p = JSON.readValue(run.read("publish/result.json"), Map.class);
            published = new Published(((Number) p.get("version")).longValue(), String.valueOf(p.get("uri")));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> data =
                run.exists("data.json") ? JSON.readValue(run.read("data.json"), Map.class) : Map.of();
        return new RunRecord(
                id,
                run.uri(),
                name,
                configYaml,
                List.copyOf(stages),
                exports,
                published,
                FailureRecord.read(run),
                data,
                run.exists(ExportLatency.FILE) ? ExportLatency.read(run) : null,
                SearchRecord.read(run));
    }

    private static double number(Map<?, ?> m, String key) {
        return m.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    public StageRecord stage(String stage) {
        return stages.stream().filter(s -> s.stage().equals(stage)).findFirst().orElseThrow();
    }

    /** Whether a CLI command's work is done in this run (see {@link #COMMANDS}). */
    public boolean commandDone(String command) {
        return switch (command) {
            case "teacher" -> stage(Stages.TEACHER).done();
            case "distill" ->
                stage(Stages.SCRATCH).done() && stage(Stages.STUDENT).done();
            case "prune" -> stage(Stages.PRUNED).done();
            case "export" -> !exports.isEmpty();
            case "publish" -> published != null;
            default -> throw new IllegalArgumentException("unknown command " + command);
        };
    }

    /** The CLI commands already done, in order. */
    public List<String> commandsDone() {
        return COMMANDS.stream().filter(this::commandDone).toList();
    }

    /** The next command to run, or null when the run is published. */
    public String nextCommand() {
        return COMMANDS.stream().filter(c -> !commandDone(c)).findFirst().orElse(null);
    }

    /**
     * {@code failed} (its last failure is unresolved), {@code published}, or {@code incomplete}
     * (stopped, between scheduler tasks, or still running: see {@link #runningStage}).
     */
    public String state() {
        if (failure != null) {
            return "failed";
        }
        return published != null ? "published" : "incomplete";
    }

    /** The final model's test accuracy: the pruned student's, or the best stage done so far; null if none. */
    public Double finalAccuracy() {
        for (int i = stages.size() - 1; i >= 0; i--) {
            if (stages.get(i).testAccuracy() != null) {
                return stages.get(i).testAccuracy();
            }
        }
        return null;
    }

    /**
     * A training stage whose rank 0 wrote progress less than {@code freshMillis} ago and that has no
     * result yet: the run is training it now. Null if none.
     */
    public static String runningStage(RunDirectory run, long nowMillis, long freshMillis) throws IOException {
        for (String stage : Stages.TRAINING) {
            RunDirectory dir = run.child(stage);
            if (dir.exists("result.json")) {
                continue;
            }
            try {
                long t = run.fs().getFileStatus(dir.path(Progress.FILE)).getModificationTime();
                if (nowMillis - t < freshMillis) {
                    return stage;
                }
            } catch (FileNotFoundException e) {
                // this stage has not started
            }
        }
        return null;
    }

    /** When the run last wrote one of its record files (milliseconds since the epoch, 0 if unknown). */
    public static long lastUpdate(RunDirectory run) throws IOException {
        long latest = 0;
        List<String> files = new ArrayList<>(List.of(
                "config.yaml",
                "data.json",
                MetricsLog.FILE,
                "export/formats.json",
                "publish/result.json",
                SearchJob.SUMMARY,
                FailureRecord.FILE));
        for (String stage : Stages.TRAINING) {
            files.add(stage + "/" + Progress.FILE);
        }
        for (String f : files) {
            try {
                latest = Math.max(latest, run.fs().getFileStatus(run.path(f)).getModificationTime());
            } catch (FileNotFoundException e) {
                // not written (yet)
            }
        }
        return latest;
    }
}
