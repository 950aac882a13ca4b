package io.distillery.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.distill.SavedModelTeacher;
import io.distillery.export.savedmodel.SavedModelWriter;
import io.distillery.jobs.cluster.StandaloneCluster;
import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.data.DataLoader;
import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.jobs.spark.TeacherLogits;
import io.distillery.stage.StagePlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.storage.StorageLevel;

/**
 * Teacher scoring throughput on a standalone cluster of this machine (Master + 2 one-core Workers): the
 * default CNN teacher, written as a SavedModel and brought with {@code teacher.saved_model}, scores the
 * same training rows with 1 and with 2 workers ({@link TeacherLogits#score}, the job the pipeline runs:
 * each task fetches and loads the model, scores its partition in batches, writes its Parquet file).
 * Each setting runs {@code repeats} times after one warm-up; rows/s from the median. Writes {@code
 * bench/results/scoring.json} and {@code .md}. Run with {@code bench/scoring.sh [rows] [repeats]}.
 */
public final class ScoringBenchmark {
    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path root = StandaloneCluster.repoRoot();
        Path work = Files.createTempDirectory("distillery-scoring-");
        JobConfig defaults = ConfigLoader.defaults();
        ModelSpec spec = defaults.teacher().modelSpec(defaults.data(), "teacher");
        Path teacher = work.resolve("teacher");
        SavedModelWriter.write(spec, Initializer.glorotUniform(spec, 1), teacher);
        StagePlan.Brought brought = new StagePlan.Brought(
                List.of(new SavedModelTeacher.Options(
                        teacher.toUri().toString(), "serving_default", SavedModelTeacher.Output.PROBABILITIES, 1, 0)),
                "bench");
        int[] shape = defaults.data().shape();

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("date", Instant.now().toString());
        results.put("command", "bench/scoring.sh " + rows + " " + repeats);
        results.put("cpus", Runtime.getRuntime().availableProcessors());
        results.put("teacher", defaults.teacher().layers());
        results.put("rows", rows);
        List<Map<String, Object>> table = new ArrayList<>();
        try (StandaloneCluster cluster = StandaloneCluster.start(work.resolve("spark-home"), 2)) {
            SparkSession spark = cluster.session("distillery-scoring-bench", Map.of());
            try {
                for (int workers : new int[] {1, 2}) {
                    JavaRDD<InternalRow> partitions = DataLoader.read(
                                    spark, DataLoader.BUILTIN_FASHION, "idx", "train", workers)
                            .limit(rows)
                            .repartition(workers)
                            .persist(StorageLevel.MEMORY_ONLY())
                            .queryExecution()
                            .toRdd()
                            .toJavaRDD();
                    partitions.count();
                    List<Double> seconds = new ArrayList<>();
                    for (int r = 0; r <= repeats; r++) {
                        RunDirectory dir = new RunDirectory(
                                work.resolve("logits-" + workers + "-" + r)
                                        .toUri()
                                        .toString(),
                                Map.of());
                        long t0 = System.nanoTime();
                        TeacherLogits.score(partitions, brought, shape, spec.numClasses(), dir);
                        double s = (System.nanoTime() - t0) / 1e9;
                        if (r > 0) {
                            seconds.add(s); // the first run warms up the executors (JIT, TensorFlow's first load)
                        }
                        System.out.printf(Locale.ROOT, "workers %d run %d: %.2f s%n", workers, r, s);
                    }
                    seconds.sort(null);
                    double median = seconds.get(seconds.size() / 2);
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("workers", workers);
                    row.put("seconds", seconds);
                    row.put("rows_per_s", Math.round(rows / median));
                    table.add(row);
                }
            } finally {
                spark.stop();
            }
        }
        double speedup = ((Number) table.get(1).get("rows_per_s")).doubleValue()
                / ((Number) table.get(0).get("rows_per_s")).doubleValue();
        results.put("runs", table);
        results.put("speedup_2_over_1", Math.round(speedup * 100) / 100.0);
        Path out = root.resolve("bench/results");
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(out.resolve("scoring.json").toFile(), results);
        StringBuilder md = new StringBuilder("# Teacher scoring throughput\n\n`" + results.get("command")
                + "` (one run, this machine: " + results.get("cpus") + " cores; executors of 1 core)\n\n"
                + "| workers | rows/s (median of " + repeats + ") | seconds |\n|---:|---:|---|\n");
        for (Map<String, Object> r : table) {
            md.append("| ")
                    .append(r.get("workers"))
                    .append(" | ")
                    .append(r.get("rows_per_s"))
                    .append(" | ")
                    .append(r.get("seconds"))
                    .append(" |\n");
        }
        md.append(String.format(Locale.ROOT, "%nSpeed-up with 2 workers: %.2f×%n", speedup));
        Files.writeString(out.resolve("scoring.md"), md.toString());
        System.out.print(md);
    }
}
