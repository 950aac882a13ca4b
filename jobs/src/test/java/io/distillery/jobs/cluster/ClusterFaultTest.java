package io.distillery.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.jobs.CliHarness;
import io.distillery.jobs.failure.ExitCodes;
import io.distillery.jobs.pipeline.Stages;
import io.distillery.jobs.spark.BarrierStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster faults of the fault suite, on a real standalone cluster (a Master and two Workers, each
 * executor its own JVM): the whole pipeline with two workers per training stage while one executor is
 * SIGKILLed at a random step of the teacher, the distillation or the pruning stage; an executor that
 * stalls (SIGSTOP); more workers than slots; an executor SIGKILLed in the middle of a search. Every kill must end in a finished run (exit 0, a complete
 * version) whose accuracies are within 0.5 points of a clean run's, having redone at most one
 * checkpoint interval. The table goes to bench/results/faults-cluster.{md,json} with
 * {@code -Dfaults.write=true}; {@code -Dfaults.kills=10} kills in ten runs instead of three (one per
 * stage), which is what {@code bench/kill-recovery.sh} runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultTest {
    /** Checkpoint interval: the most work a retry may redo. */
    static final int K = 10;

    static final double ACCURACY_TOLERANCE = 0.005;
    static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(20);
    static final Duration NETWORK_TIMEOUT = Duration.ofSeconds(30);
    static final List<String> KILLED_STAGES = List.of(Stages.TEACHER, Stages.STUDENT, Stages.PRUNED);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    static StandaloneCluster cluster;
    static Path conf;
    static final List<ClusterFaultRow> rows = new ArrayList<>();
    static Map<String, Double> clean;

    @BeforeAll
    static void startCluster() throws Exception {
        CliHarness.stopSpark();
        cluster = StandaloneCluster.start(tmp.resolve("spark-home"), 2);
        // A frozen executor is declared lost after spark.network.timeout; 30 s instead of 120 s.
        CliHarness.use(cluster.session(
                "distillery-cluster-faults",
                Map.of(
                        "spark.network.timeout", NETWORK_TIMEOUT.toSeconds() + "s",
                        "spark.network.timeoutInterval", "5s",
                        "spark.executor.heartbeatInterval", "3s")));
        conf = tmp.resolve("cluster.yaml");
        List<String> lines = new ArrayList<>(List.of(
                "name: faults",
                "run_dir: " + tmp.resolve("runs"),
                "data:",
                "  limit: 6000",
                "  test_limit: 2000",
                "spark:",
                "  workers: 2",
                "  checkpoint_every_steps: " + K,
                "  operation_timeout_ms: " + STALL_TIMEOUT.toMillis(),
                "  max_attempts: 3"));
        // Small models, but stages of a few hundred steps, so that a kill can land at a random step.
        lines.addAll(List.of(
                "teacher:",
                "  layers: [flatten, 'dense(64,relu)', 'dense(10)']",
                "  epochs: 4",
                "  batch_size: 32",
                "student:",
                "  layers: [flatten, 'dense(16,relu)', 'dense(10)']",
                "  epochs: 4",
                "  batch_size: 32",
                "prune:",
                "  epochs: 4",
                "  frequency: 10",
                "  final_sparsity: 0.5",
                // A plumbing test's undertrained student: the quality gate has its own fault case.
                "  max_accuracy_drop: 100"));
        lines.addAll(List.of("publish:", "  base_path: " + tmp.resolve("models"), ""));
        Files.writeString(conf, String.join("\n", lines));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        try {
            CliHarness.stopSpark();
            if (Boolean.getBoolean("faults.write")) {
                int kills = Integer.getInteger("faults.kills", KILLED_STAGES.size());
                String command =
                        "bench/kill-recovery.sh " + kills + "   # = mvn -B -o test -pl jobs -Dtest=ClusterFaultTest"
                                + " -DskipITs -Dfaults.write=true -Dfaults.kills=" + kills;
                ClusterFaultRow.write(
                        rows, command, StandaloneCluster.repoRoot().resolve("bench/results"));
            }
            System.out.println(ClusterFaultRow.table(rows));
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    @Test
    @Order(1)
    void killingAWorkerAtARandomStepOfEachStageFinishesAsAccurateAsACleanRun() throws Exception {
        cleanRun();

        int kills = Integer.getInteger("faults.kills", KILLED_STAGES.size());
        long seed = Long.getLong("faults.seed", System.nanoTime());
        Random random = new Random(seed);
        System.out.println("cluster faults: seed " + seed);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < kills; i++) {
            String stage = KILLED_STAGES.get(i % KILLED_STAGES.size());
            String outcome = killOnce("kill-" + i + "-" + stage, stage, random);
            if (outcome != null) {
                failures.add(outcome);
            }
        }
        long finished = rows.stream()
                .filter(r -> r.name().startsWith("kill-") && r.pass())
                .count();
        System.out.printf(
                "cluster faults: %d/%d runs with a killed worker finished within %.1f points of the clean run%n",
                finished, kills, 100 * ACCURACY_TOLERANCE);
        assertEquals(List.of(), failures);
    }

    /** One run with rank 1's executor killed at a random step of {@code stage}; null when it passed. */
    private String killOnce(String run, String stage, Random random) throws Exception {
        Path stageDir = tmp.resolve("runs/" + run + "/" + stage);
        long totalSteps =
                json("clean", stage, BarrierStage.RECORD).get("total_steps").asLong();
        // A random checkpoint to wait for, then a random pause: the kill lands between two checkpoints.
        long checkpoint = K * (1 + random.nextInt((int) Math.max(1, totalSteps / K - 2)));
        long pauseMillis = random.nextInt(60);
        long started = System.nanoTime();
        resumeFromCleanBefore(run, stage);
        CompletableFuture<CliHarness.Result> job = CompletableFuture.supplyAsync(() -> pipeline(run));
        long victim = rank1After(job, stageDir, checkpoint);
        long checkpointAtKill = -1;
        if (victim > 0) {
            Thread.sleep(pauseMillis);
            if (Files.exists(stageDir.resolve(BarrierStage.RECORD))) {
                victim = -1; // the stage finished meanwhile
            } else {
                checkpointAtKill = newestCheckpoint(stageDir);
            }
        }
        String expected = "exit 0, a complete version, accuracies within " + 100 * ACCURACY_TOLERANCE + " points";
        if (victim < 0) {
            CliHarness.Result r = job.get(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            rows.add(ClusterFaultRow.of(
                    run, expected, "stage ended before the kill (exit " + r.exitCode() + ")", started, false));
            return run + ": the stage ended before checkpoint " + checkpoint + " + " + pauseMillis + " ms";
        }
        long pid = victim;
        assertTrue(
                cluster.executors().stream().anyMatch(p -> p.pid() == pid), "rank 1 runs in an executor JVM: " + pid);
        ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
        CliHarness.Result r = job.get(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        List<String> problems = new ArrayList<>();
        String actual;
        if (r.exitCode() != 0) {
            problems.add("exit " + r.exitCode() + ": " + r.err().strip());
            actual = "exit " + r.exitCode();
        } else {
            JsonNode record = json(run, stage, BarrierStage.RECORD);
            JsonNode attempts = record.get("attempts");
            JsonNode first = attempts.get(0);
            JsonNode last = attempts.get(attempts.size() - 1);
            long resumed = last.get("resumed_from_step").asLong();
            String ranks = first.path("ranks").asText();
            if (!"failed".equals(first.get("outcome").asText()) || attempts.size() < 2) {
                problems.add("the kill did not fail attempt 1: " + attempts);
            }
            if (resumed < checkpointAtKill) {
                problems.add(
                        "lost a checkpoint: killed after checkpoint " + checkpointAtKill + ", resumed from " + resumed);
            }
            if (!ranks.contains("rank 1 (executor") || !ranks.contains("pid " + victim)) {
                problems.add("the failed attempt does not name the killed worker: " + ranks);
            }
            Map<String, Double> got = accuracies(run);
            double worst = 0;
            for (Map.Entry<String, Double> e : clean.entrySet()) {
                worst = Math.max(worst, Math.abs(e.getValue() - got.get(e.getKey())));
            }
            if (worst > ACCURACY_TOLERANCE) {
                problems.add("accuracies " + got + " vs clean " + clean);
            }
            if (!Files.isRegularFile(tmp.resolve("models/faults/" + published(run) + "/manifest.json"))) {
                problems.add("no complete version published");
            }
            actual = String.format(
                    "exit 0; killed rank 1 (pid %d) %d ms after checkpoint %d of %d steps; attempt 1: %s;"
                            + " resumed from step %d; largest accuracy difference %.4f",
                    victim,
                    pauseMillis,
                    checkpointAtKill,
                    record.get("total_steps").asLong(),
                    ranks,
                    resumed,
                    worst);
        }
        rows.add(ClusterFaultRow.of(
                run, expected, actual + (problems.isEmpty() ? "" : "; " + problems), started, problems.isEmpty()));
        return problems.isEmpty() ? null : run + ": " + problems;
    }

    @Test
    @Order(2)
    void aStalledWorkerIsDeclaredLostAndTheStageResumesOnAFreshExecutor() throws Exception {
        // SIGSTOP rank 1's executor during the last training stage: rank 0's all-reduce gives up after
        // operation_timeout_ms, Spark declares the frozen executor lost after spark.network.timeout and
        // starts a fresh one, and the stage resumes from its checkpoint there.
        cleanRun();
        String run = "stall";
        String stage = Stages.PRUNED;
        Path stageDir = tmp.resolve("runs/" + run + "/" + stage);
        long started = System.nanoTime();
        resumeFromCleanBefore(run, stage);
        CompletableFuture<CliHarness.Result> job = CompletableFuture.supplyAsync(() -> pipeline(run));
        long victim = rank1After(job, stageDir, K);
        assertTrue(victim > 0, "the stage ended before a checkpoint: " + (job.isDone() ? job.get() : ""));
        signal("STOP", victim);
        CliHarness.Result r;
        try {
            r = job.get(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            if (ProcessHandle.of(victim).map(ProcessHandle::isAlive).orElse(false)) {
                signal("CONT", victim);
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        // The stall costs at most the collective's timeout plus Spark's, on top of a clean run.
        double budget = STALL_TIMEOUT.toSeconds() + NETWORK_TIMEOUT.toSeconds() + RUN_TIMEOUT.toSeconds();
        System.out.println("stalled worker (pid " + victim + "), " + seconds + " s:\n" + r);
        String failure = r.out()
                .lines()
                .filter(l -> l.contains("attempt 1 failed"))
                .findFirst()
                .orElse("");
        boolean pass =
                r.exitCode() == 0 && failure.contains("pid " + victim) && published(run) > 0 && seconds <= 2 * budget;
        rows.add(ClusterFaultRow.of(
                "stalled-worker",
                "exit 0 after the stalled executor is replaced; the" + " output names the stalled worker",
                "exit " + r.exitCode() + "; " + failure.strip(),
                started,
                pass));
        assertEquals(0, r.exitCode(), r.toString());
        assertFalse(failure.isEmpty(), r.out());
        assertTrue(failure.contains("rank 1 (executor") && failure.contains("pid " + victim), failure);
        JsonNode attempts = json(run, stage, BarrierStage.RECORD).get("attempts");
        assertEquals("failed", attempts.get(0).get("outcome").asText(), attempts.toString());
        assertTrue(published(run) > 0, "published after recovering");
    }

    @Test
    @Order(3)
    void moreWorkersThanSlotsFailsFast() throws Exception {
        long started = System.nanoTime();
        CliHarness.Result r =
                CliHarness.run("pipeline", "--conf", conf.toString(), "--workers", "3", "--run-id", "slots");
        boolean pass = r.exitCode() == ExitCodes.CONFIG && r.err().contains("spark.workers = 3 needs 3 task slots");
        rows.add(ClusterFaultRow.of(
                "too-few-slots",
                "exit 2, \"spark.workers = 3 needs 3 task slots\"",
                "exit " + r.exitCode() + ": " + firstLine(r.err()),
                started,
                pass));
        assertEquals(ExitCodes.CONFIG, r.exitCode(), r.toString());
        assertTrue(r.err().contains("spark.workers = 3 needs 3 task slots at once"), r.err());
        assertTrue(r.err().contains("offers 2 (2 executor(s)"), r.err());
        assertTrue(r.err().contains("lower --workers (spark.workers) to at most 2"), r.err());
        assertEquals(-1, published("slots"), "nothing published");
        assertFalse(Files.exists(tmp.resolve("runs/slots/teacher/" + BarrierStage.RECORD)), "no stage started");
    }

    @Test
    @Order(4)
    void anExecutorKilledDuringASearchLosesNoTrialAndRunsNoneTwice() throws Exception {
        // The clean run's teacher, brought as the SavedModel every run keeps: the search scores it once.
        String run = "search-kill";
        Path trials = tmp.resolve("runs/" + run + "/search/trials");
        List<String> ids = List.of(
                "w0.50-T1.50-a0.50-dense-float-e6",
                "w0.50-T1.50-a0.50-dense-int8-e6",
                "w1.00-T1.50-a0.50-dense-float-e6",
                "w1.00-T1.50-a0.50-dense-int8-e6");
        long started = System.nanoTime();
        CompletableFuture<CliHarness.Result> job = CompletableFuture.supplyAsync(() -> CliHarness.run(
                "search",
                "--conf",
                conf.toString(),
                "--run-id",
                run,
                "--no-publish",
                "--set",
                "teacher.saved_model.uris=" + tmp.resolve("runs/clean/teacher/savedmodel"),
                "--set",
                "data.validation_fraction=0.2",
                "--set",
                "search.widths=[0.5,1.0]",
                "--set",
                "search.temperatures=[1.5]",
                "--set",
                "search.prunes=[none]",
                "--set",
                "search.epochs=6",
                "--set",
                "search.latency_calls=10",
                "--set",
                "search.max_accuracy_drop=100"));
        // Wait for a trial that has started and not finished, then SIGKILL the executor running it.
        String victimTrial = null;
        long victim = -1;
        while (victim < 0 && !job.isDone() && System.nanoTime() - started < RUN_TIMEOUT.toNanos()) {
            Thread.sleep(200);
            for (String id : ids) {
                Path attempts = trials.resolve(id).resolve("attempts");
                if (Files.exists(trials.resolve(id).resolve("result.json")) || !Files.isDirectory(attempts)) {
                    continue;
                }
                List<String> markers = markers(attempts);
                if (markers.isEmpty()) {
                    continue;
                }
                String where = Files.readString(attempts.resolve(markers.get(0)));
                String executorId = where.replaceFirst("^executor (\\S+) on .*$", "$1");
                victim = cluster.executors().stream()
                        .filter(p -> p.info().commandLine().orElse("").contains("--executor-id " + executorId + " "))
                        .mapToLong(ProcessHandle::pid)
                        .findFirst()
                        .orElse(-1);
                if (victim > 0) {
                    victimTrial = id;
                    Thread.sleep(500); // into its training
                    ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
                    break;
                }
            }
        }
        CliHarness.Result r = job.get(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        List<String> problems = new ArrayList<>();
        if (r.exitCode() != 0) {
            problems.add("exit " + r.exitCode() + ": " + firstLine(r.err()));
        }
        if (victim < 0) {
            problems.add("no trial was caught running");
        }
        // Every trial finished exactly once: one result each, by the attempt it names; only the killed
        // trial has a second attempt.
        for (String id : ids) {
            Path dir = trials.resolve(id);
            if (!Files.exists(dir.resolve("result.json"))) {
                problems.add(id + " has no result");
                continue;
            }
            JsonNode result = JSON.readTree(dir.resolve("result.json").toFile());
            List<String> markers = markers(dir.resolve("attempts"));
            int expected = id.equals(victimTrial) ? 2 : 1;
            if (markers.size() != expected) {
                problems.add(id + ": " + markers.size() + " attempts, expected " + expected + " " + markers);
            }
            if (!markers.contains(result.get("attempt").asText())) {
                problems.add(id + ": its result names attempt " + result.get("attempt") + ", not one of " + markers);
            }
        }
        JsonNode summary = JSON.readTree(
                tmp.resolve("runs/" + run + "/search/summary.json").toFile());
        List<String> summarized = new ArrayList<>();
        summary.get("trials").forEach(t -> summarized.add(t.get("id").asText()));
        if (!new java.util.TreeSet<>(summarized).equals(new java.util.TreeSet<>(ids))
                || summarized.size() != ids.size()) {
            problems.add("summary trials " + summarized + ", expected " + ids);
        }
        rows.add(ClusterFaultRow.of(
                "search-executor-killed",
                "exit 0; " + ids.size() + " trials, each with one result; only the killed trial retried",
                "exit " + r.exitCode() + "; killed pid " + victim + " in " + victimTrial
                        + (problems.isEmpty() ? "" : "; " + problems),
                started,
                problems.isEmpty()));
        assertTrue(problems.isEmpty(), problems + "\n" + r);
    }

    private static List<String> markers(Path attempts) throws Exception {
        if (!Files.isDirectory(attempts)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(attempts)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")) // Hadoop's checksum files
                    .sorted()
                    .toList();
        }
    }

    // ------------------------------------------------------------------------------------- helpers

    /** Runs the clean reference once, for the kill cases' accuracies and the runs that resume from it. */
    private static void cleanRun() throws Exception {
        if (clean != null) {
            return;
        }
        long started = System.nanoTime();
        CliHarness.Result reference = pipeline("clean");
        assertEquals(0, reference.exitCode(), reference.toString());
        clean = accuracies("clean");
        rows.add(ClusterFaultRow.of("clean-run", "exit 0", "exit 0, accuracies " + clean, started, true));
    }

    /**
     * Gives {@code run} the clean run's config and finished stages before {@code stage}, so it resumes
     * at the stage where the kill lands, as a rerun of a failed run does, instead of training them again.
     */
    private static void resumeFromCleanBefore(String run, String stage) throws java.io.IOException {
        int index = Stages.TRAINING.indexOf(stage);
        if (index == 0) {
            return; // the first stage's kill runs from scratch
        }
        List<String> copied = new ArrayList<>(List.of("config.yaml", "data.json"));
        copied.addAll(Stages.TRAINING.subList(0, index));
        RunCopy.copy(tmp.resolve("runs"), "clean", run, copied::contains);
    }

    private static CliHarness.Result pipeline(String run) {
        return CliHarness.run("pipeline", "--conf", conf.toString(), "--run-id", run);
    }

    private static JsonNode json(String run, String stage, String file) throws Exception {
        return JSON.readTree(
                tmp.resolve("runs/" + run + "/" + stage + "/" + file).toFile());
    }

    /** Test accuracy of every trained model of {@code run}. */
    private static Map<String, Double> accuracies(String run) throws Exception {
        Map<String, Double> out = new java.util.TreeMap<>();
        for (String stage : List.of(Stages.TEACHER, Stages.SCRATCH, Stages.STUDENT, Stages.PRUNED)) {
            out.put(stage, json(run, stage, "result.json").get("test_accuracy").asDouble());
        }
        return out;
    }

    /** The version {@code run} published, from its run directory; -1 when none. */
    private static long published(String run) throws Exception {
        Path result = tmp.resolve("runs/" + run + "/publish/result.json");
        return Files.isRegularFile(result)
                ? JSON.readTree(result.toFile()).get("version").asLong()
                : -1;
    }

    /**
     * The pid of the executor holding rank 1 of the stage's first attempt, once the stage has a
     * checkpoint at or after {@code step}; -1 when the run ended first.
     */
    private static long rank1After(CompletableFuture<?> job, Path stageDir, long step) throws Exception {
        Path placement = stageDir.resolve("workers/attempt-1-rank-1.json");
        while (!job.isDone()) {
            if (Files.isRegularFile(placement) && newestCheckpoint(stageDir) >= step) {
                return JSON.readTree(placement.toFile()).get("pid").asLong();
            }
            Thread.sleep(20);
        }
        return -1;
    }

    private static long newestCheckpoint(Path stageDir) throws Exception {
        Path dir = stageDir.resolve(io.distillery.stage.Checkpoints.DIR);
        if (!Files.isDirectory(dir)) {
            return -1;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("step-\\d+\\.ckpt"))
                    .mapToLong(n -> Long.parseLong(n.substring(5, n.length() - 5)))
                    .max()
                    .orElse(-1);
        }
    }

    private static void signal(String signal, long pid) throws Exception {
        // bash's built-in kill: no procps package needed
        Process p = new ProcessBuilder("bash", "-c", "kill -" + signal + " " + pid)
                .inheritIO()
                .start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
        }
    }

    private static String firstLine(String s) {
        return s.strip().lines().findFirst().orElse("");
    }
}
