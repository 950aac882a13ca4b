package io.distillery.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.distill.SavedModelTeacher;
import io.distillery.jobs.CliHarness;
import io.distillery.jobs.EmptyPartition;
import io.distillery.jobs.data.DataException;
import io.distillery.jobs.data.DataLoader;
import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.jobs.spark.BarrierStage;
import io.distillery.jobs.spark.TeacherLogits;
import io.distillery.stage.StagePlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training on a real Spark standalone cluster: a Master and two Workers started by
 * {@code cluster-conf/standalone-cluster.sh}, each executor its own JVM, the driver in this JVM. The
 * data is a 12 000-row slice of Fashion-MNIST and the model small, so the class fits a 2-core machine.
 */
class StandaloneClusterTest {
    /** Checkpoint interval of these runs: the most work a retry may redo. */
    static final int K = 25;

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    static StandaloneCluster cluster;
    static SparkSession spark;
    static Path conf;

    @BeforeAll
    static void startCluster() throws Exception {
        CliHarness.stopSpark();
        cluster = StandaloneCluster.start(tmp.resolve("spark-home"), 2);
        spark = cluster.session("distillery-cluster-tests", Map.of());
        CliHarness.use(spark);
        conf = tmp.resolve("cluster.yaml");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "name: cluster",
                        "run_dir: " + tmp.resolve("runs"),
                        "data:",
                        "  limit: 12000",
                        "  test_limit: 0",
                        "spark:",
                        "  checkpoint_every_steps: " + K,
                        "  operation_timeout_ms: 30000",
                        "  max_attempts: 3",
                        // Softmax regression by plain SGD with a small step: a convex problem on which runs that see
                        // the same data in different orders end close together (measured over seeds: 0.03 to 0.32
                        // points apart; Adam, or an MLP, drift up to 0.8), so the N=1 / N=2 comparison measures the
                        // all-reduce rather than the luck of the batch order.
                        "teacher:",
                        "  layers: [flatten, 'dense(10)']",
                        "  epochs: 6",
                        "  batch_size: 64",
                        "  optimizer: sgd",
                        "  learning_rate: 0.05",
                        "publish:",
                        "  base_path: " + tmp.resolve("models"),
                        ""));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        try {
            CliHarness.stopSpark();
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private static JsonNode json(String runId, String file) throws Exception {
        return JSON.readTree(tmp.resolve("runs/" + runId + "/teacher/" + file).toFile());
    }

    /**
     * A brought teacher scored by two executor JVMs, each loading it once for its partition, gives every
     * row the logits a single process gives it (within 1e-5).
     */
    @Test
    void aBroughtTeacherScoredOnTwoExecutorsGivesEveryRowTheLogitsOfOneProcess() throws Exception {
        Path teacher = tmp.resolve("centroid-teacher");
        io.distillery.jobs.StorageTestSupport.centroidTeacher(teacher, 2000);
        SavedModelTeacher.Options options = new SavedModelTeacher.Options(
                teacher.toUri().toString(), "serving_default", SavedModelTeacher.Output.PROBABILITIES, 1, 0);
        JavaRDD<InternalRow> partitions = DataLoader.read(spark, DataLoader.BUILTIN_FASHION, "idx", "test", 2)
                .limit(3000)
                .repartition(2)
                .persist(StorageLevel.MEMORY_ONLY())
                .queryExecution()
                .toRdd()
                .toJavaRDD();
        RunDirectory dir = new RunDirectory(tmp.resolve("scored").toUri().toString(), Map.of());
        int[] shape = {28, 28, 1};
        List<TeacherLogits.Part> parts =
                TeacherLogits.score(partitions, new StagePlan.Brought(List.of(options), "sha"), shape, 10, dir);
        assertEquals(2, parts.size());
        assertEquals(3000, parts.stream().mapToInt(TeacherLogits.Part::rows).sum());

        // Each partition's rows, as the executors saw them, scored again here in one process.
        List<Object[]> rows = partitions
                .mapPartitionsWithIndex(
                        (Integer p, java.util.Iterator<InternalRow> it) -> {
                            List<float[]> x = new java.util.ArrayList<>();
                            List<Integer> y = new java.util.ArrayList<>();
                            it.forEachRemaining(r -> {
                                x.add(r.getArray(0).toFloatArray());
                                y.add(r.getInt(1));
                            });
                            return List.<Object[]>of(new Object[] {p, x, y}).iterator();
                        },
                        false)
                .collect();
        try (SavedModelTeacher local = SavedModelTeacher.open(teacher, options, shape, 10)) {
            for (Object[] part : rows) {
                int p = (Integer) part[0];
                @SuppressWarnings("unchecked")
                List<float[]> x = (List<float[]>) part[1];
                @SuppressWarnings("unchecked")
                List<Integer> y = (List<Integer>) part[2];
                float[] flat = new float[x.size() * 784];
                for (int r = 0; r < x.size(); r++) {
                    System.arraycopy(x.get(r), 0, flat, r * 784, 784);
                }
                int[] labels = y.stream().mapToInt(Integer::intValue).toArray();
                float[] expected = local.logits(flat, x.size());
                float[] scored = TeacherLogits.read(dir, p, labels, 10);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], scored[i], 1e-5, "partition " + p + ", value " + i);
                }
            }
        }
    }

    @Test
    void twoExecutorJvmsEndBitIdenticalAndAsAccurateAsOneWorker() throws Exception {
        // Same data, epochs and global batch (128): one worker of 128, two of 64.
        CliHarness.Result one = CliHarness.run(
                "teacher", "--conf", conf.toString(), "--run-id", "one", "--set", "teacher.batch_size=128");
        assertEquals(0, one.exitCode(), one.toString());
        CliHarness.Result two =
                CliHarness.run("teacher", "--conf", conf.toString(), "--workers", "2", "--run-id", "two");
        assertEquals(0, two.exitCode(), two.toString());

        JsonNode record = json("two", BarrierStage.RECORD);
        JsonNode ranks = record.get("ranks");
        assertEquals(2, ranks.size());
        assertEquals(
                ranks.get(0).get("weights_sha256").asText(),
                ranks.get(1).get("weights_sha256").asText(),
                "bit-identical weights on both workers");
        long me = ProcessHandle.current().pid();
        assertNotEquals(
                ranks.get(0).get("pid").asLong(), ranks.get(1).get("pid").asLong(), "two executor JVMs");
        assertNotEquals(me, ranks.get(0).get("pid").asLong());
        assertNotEquals(me, ranks.get(1).get("pid").asLong());
        assertEquals(6 * 94, record.get("total_steps").asInt(), "12000 rows / 2 shards / 64 = 94 steps, 6 epochs");

        double a1 = json("one", "result.json").get("test_accuracy").asDouble();
        double a2 = json("two", "result.json").get("test_accuracy").asDouble();
        System.out.printf("standalone cluster: test accuracy N=1 %.4f, N=2 %.4f%n", a1, a2);
        assertTrue(a1 > 0.7, "N=1 learned: " + a1);
        assertEquals(a1, a2, 0.005, "N=2 within 0.5 points of N=1 (" + a1 + " vs " + a2 + ")");
    }

    @Test
    void aKilledExecutorIsReplacedAndTrainingResumesFromTheLastCheckpoint() throws Exception {
        String run = "kill";
        Path stage = tmp.resolve("runs/" + run + "/teacher");
        CompletableFuture<CliHarness.Result> job = CompletableFuture.supplyAsync(
                () -> CliHarness.run("teacher", "--conf", conf.toString(), "--workers", "2", "--run-id", run));
        // Once rank 0 has checkpointed, kill the executor JVM that holds rank 1.
        Path placement = stage.resolve("workers/attempt-1-rank-1.json");
        long victim = -1;
        while (!job.isDone()) {
            if (Files.isRegularFile(placement) && checkpoints(stage) > 0) {
                victim = JSON.readTree(placement.toFile()).get("pid").asLong();
                break;
            }
            Thread.sleep(50);
        }
        assertTrue(victim > 0, "training ended before a checkpoint was seen: " + (job.isDone() ? job.get() : ""));
        assertNotEquals(ProcessHandle.current().pid(), victim);
        long pid = victim;
        assertTrue(
                cluster.executors().stream().anyMatch(p -> p.pid() == pid),
                "rank 1 runs in an executor JVM of the cluster: " + pid);
        ProcessHandle.of(victim).orElseThrow().destroyForcibly();

        CliHarness.Result r = job.get(15, TimeUnit.MINUTES);
        assertEquals(0, r.exitCode(), r.toString());
        System.out.println("standalone cluster, killed rank 1 (pid " + victim + "):\n" + r.out());
        assertTrue(r.out().contains("attempt 1 failed"), r.out());

        JsonNode record = json(run, BarrierStage.RECORD);
        JsonNode attempts = record.get("attempts");
        assertEquals(2, attempts.size(), record.toString());
        assertEquals("failed", attempts.get(0).get("outcome").asText());
        JsonNode second = attempts.get(1);
        assertEquals("succeeded", second.get("outcome").asText());
        long total = record.get("total_steps").asLong();
        long resumed = second.get("resumed_from_step").asLong();
        long reported = attempts.get(0).get("last_reported_step").asLong();
        assertTrue(resumed > 0 && resumed % K == 0, "resumed from a checkpoint: " + resumed);
        assertTrue(
                reported - resumed <= K,
                "at most one checkpoint interval redone: reported " + reported + ", resumed " + resumed);
        // No step applied twice: the step counter went on from the checkpoint and ran each step once.
        assertEquals(total, second.get("final_step").asLong());
        assertEquals(total - resumed, second.get("steps_run").asLong());
        JsonNode ranks = record.get("ranks");
        assertEquals(
                ranks.get(0).get("weights_sha256").asText(),
                ranks.get(1).get("weights_sha256").asText());
        // The retry ran on new TensorFlow servers: no process reused its server's address. (The
        // replacement executor is a new process; the OS may hand it the dead executor's port number.)
        Set<String> servers = new HashSet<>();
        for (int attempt = 1; attempt <= 2; attempt++) {
            for (int rank = 0; rank < 2; rank++) {
                JsonNode server = JSON.readTree(stage.resolve("workers/attempt-" + attempt + "-rank-" + rank + ".json")
                        .toFile());
                servers.add(
                        server.get("pid").asText() + "@" + server.get("address").asText());
            }
        }
        assertEquals(4, servers.size(), "fresh servers on the retry: " + servers);
        assertTrue(json(run, "result.json").get("test_accuracy").asDouble() > 0.7);
    }

    private static long checkpoints(Path stage) throws Exception {
        Path dir = stage.resolve("checkpoints");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".ckpt")).count();
        }
    }

    @Test
    void anEmptyPartitionFailsFastWithWhatToChange() {
        DataException e = EmptyPartition.refusal(spark, tmp.resolve("empty/teacher"));
        assertTrue(e.getMessage().contains("of 2 is empty (64 rows in all)"), e.getMessage());
        assertTrue(e.getMessage().contains("lower --workers (spark.workers) or repartition"), e.getMessage());
    }
}
