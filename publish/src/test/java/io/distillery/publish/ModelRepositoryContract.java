package io.distillery.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every store must do; one subclass per store supplies the store and how a killed publisher's
 * leftovers look there. Tests inspect the store through their own {@code FileSystem}, not the library.
 */
abstract class ModelRepositoryContract {

    /** Where a killed publisher's garbage was left and whether it is a numbered directory. */
    record Leftover(Path path, boolean numbered) {}

    private static final AtomicInteger MODELS = new AtomicInteger();
    /** Guards against a hang only; no assertion depends on it. */
    private static final long HANG_GUARD_MINUTES = 5;

    @TempDir
    java.nio.file.Path tmp;

    /** The store's base directory URI, ending in '/'. */
    abstract URI baseUri();

    /** A Hadoop configuration that reaches the store. */
    abstract Configuration conf();

    /**
     * Whether a reader needs {@code manifest.json} to take an integer-named directory as a version (S3,
     * where files appear one by one), rather than every such directory (TensorFlow Serving's own rule,
     * which an atomic rename satisfies).
     */
    abstract boolean manifestMarksVersion();

    /** Leaves what a publisher killed while writing version {@code version} leaves on this store. */
    abstract Leftover leaveKilledPublisher(FileSystem fs, Path modelPath, long version) throws IOException;

    URI newModelUri() {
        return baseUri().resolve("t" + MODELS.incrementAndGet() + "/models/fashion");
    }

    ModelRepository open(URI model) throws IOException {
        return ModelRepository.open(model, conf());
    }

    FileSystem adminFs(URI model) throws IOException {
        FileSystem fs = FileSystem.newInstance(model, conf());
        fs.setWriteChecksum(false);
        return fs;
    }

    java.nio.file.Path export(String name, long seed) {
        return TestExports.write(tmp.resolve(name), seed);
    }

    static Map<String, Object> fields(double accuracy) {
        return Map.of(
                "config", Map.of("temperature", 2.0, "alpha", 0.5, "layers", List.of(784, 128, 10)),
                "metrics", Map.of("accuracy", accuracy),
                "provenance", Map.of("data_uri", "file:///usr/share/fashion-mnist", "seed", 42));
    }

    @Test
    void publishWritesVersionOneWithAManifestThatVerifies() throws Exception {
        URI model = newModelUri();
        java.nio.file.Path export = export("export", 1);
        Instant before = Instant.now();
        try (ModelRepository repo = open(model)) {
            PublishResult result = repo.publish(export, "run-1", fields(0.897));
            Instant after = Instant.now();

            assertEquals(1, result.version());
            assertFalse(result.reused());
            assertEquals(model.getScheme(), result.uri().getScheme());
            assertEquals(model.getPath() + "/1", result.uri().getPath());

            List<VersionStatus> versions = repo.list();
            assertEquals(1, versions.size(), () -> "versions: " + versions);
            assertEquals(
                    VersionState.COMPLETE,
                    versions.get(0).state(),
                    () -> versions.get(0).problems().toString());

            VersionStatus verified = repo.verify(1);
            assertEquals(
                    VersionState.COMPLETE,
                    verified.state(),
                    () -> verified.problems().toString());
            Manifest manifest = verified.manifest();
            assertEquals("fashion", manifest.modelName());
            assertEquals(1, manifest.version());
            assertEquals("run-1", manifest.runId());
            assertFalse(manifest.created().isBefore(before.minusMillis(1)), manifest.created() + " < " + before);
            assertFalse(manifest.created().isAfter(after), manifest.created() + " > " + after);

            List<ManifestFile> expected = new ArrayList<>();
            for (Map.Entry<String, byte[]> file : TestExports.read(export).entrySet()) {
                byte[] bytes = file.getValue();
                expected.add(new ManifestFile(
                        file.getKey(), bytes.length, TestExports.gzipSize(bytes), TestExports.sha256(bytes)));
            }
            assertEquals(expected, manifest.files());
            ManifestFile zeros = manifest.file(TestExports.TFJS_SHARD).orElseThrow();
            assertTrue(zeros.gzipSize() < zeros.size() / 20, "8 KiB of zeros gzip to " + zeros.gzipSize());
            assertEquals(fields(0.897), manifest.fields());
            assertEquals(Map.of("accuracy", 0.897), manifest.fields().get("metrics"));
        }

        // What a reader sees, read without the library: the files byte for byte and the manifest JSON.
        try (FileSystem fs = adminFs(model)) {
            Path modelPath = new Path(model);
            Path versionDir = new Path(modelPath, "1");
            for (Map.Entry<String, byte[]> file : TestExports.read(export).entrySet()) {
                assertTrue(
                        Arrays.equals(file.getValue(), readBytes(fs, new Path(versionDir, file.getKey()))),
                        file.getKey() + " differs from the local export");
            }
            JsonNode json = new ObjectMapper().readTree(readBytes(fs, new Path(versionDir, "manifest.json")));
            assertEquals("fashion", json.get("model_name").textValue());
            assertEquals(1, json.get("version").intValue());
            assertEquals("run-1", json.get("run_id").textValue());
            assertTrue(
                    json.get("created").textValue().endsWith("Z"),
                    json.get("created").textValue());
            assertEquals(6, json.get("files").size());
            JsonNode first = json.get("files").get(0);
            assertEquals("assets/labels.txt", first.get("path").textValue());
            assertTrue(first.get("gzip_size").longValue() < first.get("size").longValue());
            assertEquals(64, first.get("sha256").textValue().length());
            assertEquals(2.0, json.get("config").get("temperature").doubleValue());
            assertEquals(List.of("1"), names(fs, modelPath), "only the version directory, no staging left");
        }
    }

    @Test
    void secondPublishAddsVersionTwoAndLeavesVersionOneUntouched() throws Exception {
        URI model = newModelUri();
        try (ModelRepository repo = open(model);
                FileSystem fs = adminFs(model)) {
            assertEquals(1, repo.publish(export("a", 1), "run-a", fields(0.88)).version());
            Map<String, String> versionOne = snapshot(fs, new Path(new Path(model), "1"));

            PublishResult second = repo.publish(export("b", 2), "run-b", fields(0.89));

            assertEquals(2, second.version());
            assertFalse(second.reused());
            assertEquals(versionOne, snapshot(fs, new Path(new Path(model), "1")), "version 1 changed");
            List<VersionStatus> versions = repo.list();
            assertEquals(
                    List.of(1L, 2L),
                    versions.stream().map(VersionStatus::version).toList());
            assertTrue(versions.stream().allMatch(VersionStatus::isComplete), versions::toString);
            assertEquals("run-a", versions.get(0).manifest().runId());
            assertEquals("run-b", versions.get(1).manifest().runId());
            assertTrue(repo.verify(1).isComplete());
            assertEquals(2, repo.latestComplete().orElseThrow().version());
        }
    }

    @Test
    void publishingTheSameRunTwiceGivesOneVersion() throws Exception {
        URI model = newModelUri();
        try (ModelRepository repo = open(model)) {
            PublishResult first = repo.publish(export("a", 1), "run-same", fields(0.9));
            // Even with different bytes: the run id decides.
            PublishResult again = repo.publish(export("b", 2), "run-same", fields(0.9));

            assertFalse(first.reused());
            assertTrue(again.reused());
            assertEquals(first.version(), again.version());
            assertEquals(first.uri(), again.uri());
            assertEquals(1, repo.list().size());
            assertEquals(
                    2, repo.publish(export("c", 3), "run-other", fields(0.9)).version());
        }
    }

    @Test
    void racingPublishersWithDifferentRunsGetConsecutiveVersionsAndNoneIsLost() throws Exception {
        URI model = newModelUri();
        int publishers = 2;
        int rounds = 3;
        Map<Long, String> runOfVersion = new TreeMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(publishers);
        try {
            for (int round = 0; round < rounds; round++) {
                CyclicBarrier start = new CyclicBarrier(publishers);
                List<Future<PublishResult>> futures = new ArrayList<>();
                List<String> runs = new ArrayList<>();
                for (int p = 0; p < publishers; p++) {
                    String run = "race-" + round + "-" + p;
                    java.nio.file.Path export = export(run, 100L * round + p);
                    runs.add(run);
                    futures.add(pool.submit(() -> {
                        try (ModelRepository repo = open(model)) {
                            start.await();
                            return repo.publish(export, run, fields(0.5));
                        }
                    }));
                }
                for (int p = 0; p < publishers; p++) {
                    PublishResult result = futures.get(p).get(HANG_GUARD_MINUTES, TimeUnit.MINUTES);
                    assertFalse(result.reused(), () -> "run " + runs + " reused " + result);
                    assertNull(runOfVersion.put(result.version(), runs.get(p)), "version handed out twice");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        // Distinct and consecutive numbers, none lost.
        List<Long> published = new ArrayList<>(runOfVersion.keySet());
        assertEquals(
                java.util.stream.LongStream.rangeClosed(1, publishers * rounds)
                        .boxed()
                        .toList(),
                published);
        try (ModelRepository repo = open(model)) {
            List<VersionStatus> versions = repo.list();
            assertEquals(
                    published, versions.stream().map(VersionStatus::version).toList());
            for (VersionStatus status : versions) {
                VersionStatus verified = repo.verify(status.version());
                assertEquals(
                        VersionState.COMPLETE,
                        verified.state(),
                        () -> verified.problems().toString());
                assertEquals(
                        runOfVersion.get(status.version()), verified.manifest().runId());
            }
        }
        try (FileSystem fs = adminFs(model)) {
            assertEquals(
                    published.stream().map(String::valueOf).toList(),
                    names(fs, new Path(model)),
                    "no staging directory, claim or withdrawn version left behind");
        }
    }

    @Test
    void racingPublishersWithTheSameRunEndWithOneVersion() throws Exception {
        URI model = newModelUri();
        int publishers = 2;
        List<Long> versionOfRound = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(publishers);
        try {
            for (int round = 1; round <= 2; round++) {
                String run = "same-" + round;
                CyclicBarrier start = new CyclicBarrier(publishers);
                List<Future<PublishResult>> futures = new ArrayList<>();
                for (int p = 0; p < publishers; p++) {
                    java.nio.file.Path export = export(run + "-" + p, round);
                    futures.add(pool.submit(() -> {
                        try (ModelRepository repo = open(model)) {
                            start.await();
                            return repo.publish(export, run, fields(0.5));
                        }
                    }));
                }
                List<PublishResult> results = new ArrayList<>();
                for (Future<PublishResult> future : futures) {
                    results.add(future.get(HANG_GUARD_MINUTES, TimeUnit.MINUTES));
                }
                assertEquals(results.get(0).version(), results.get(1).version(), results::toString);
                assertEquals(
                        1,
                        results.stream().filter(r -> !r.reused()).count(),
                        () -> "exactly one publisher wrote the version: " + results);
                versionOfRound.add(results.get(0).version());
            }
        } finally {
            pool.shutdownNow();
        }
        try (ModelRepository repo = open(model);
                FileSystem fs = adminFs(model)) {
            List<VersionStatus> versions = repo.list();
            assertEquals(
                    versionOfRound,
                    versions.stream().map(VersionStatus::version).toList());
            assertEquals(
                    List.of("same-1", "same-2"),
                    versions.stream().map(v -> v.manifest().runId()).toList());
            assertTrue(versions.stream().allMatch(VersionStatus::isComplete), versions::toString);
            assertEquals(versionOfRound.stream().map(String::valueOf).toList(), names(fs, new Path(model)));
        }
    }

    @Test
    void leftoversOfAKilledPublisherAreRemovedOnceStaleAndTheirNumberIsNeverReused() throws Exception {
        URI model = newModelUri();
        Path modelPath = new Path(model);
        try (ModelRepository repo = open(model);
                FileSystem fs = adminFs(model)) {
            assertEquals(1, repo.publish(export("a", 1), "run-a", fields(0.8)).version());
            Leftover leftover = leaveKilledPublisher(fs, fs.makeQualified(modelPath), 2);

            List<VersionStatus> before = repo.list();
            if (leftover.numbered()) {
                assertEquals(
                        List.of(1L, 2L),
                        before.stream().map(VersionStatus::version).toList());
                VersionStatus garbage = before.get(1);
                assertEquals(VersionState.INCOMPLETE, garbage.state());
                assertNull(garbage.manifest());
                assertEquals("manifest.json", garbage.problems().get(0).path());
            } else {
                assertEquals(
                        List.of(1L), before.stream().map(VersionStatus::version).toList());
            }

            // A fresh leftover may belong to a live publisher: kept, and the new version goes above it.
            PublishResult fresh = repo.publish(export("b", 2), "run-b", fields(0.8));
            long afterGarbage = leftover.numbered() ? 3 : 2;
            assertEquals(afterGarbage, fresh.version());
            assertEquals(List.of(), fresh.removedLeftovers());
            assertTrue(fs.exists(leftover.path()), "a fresh leftover must be kept");

            // Once stale (age 0 here) the next publish removes it, and still never reuses its number.
            try (ModelRepository eager = ModelRepository.open(
                    model, conf(), PublishOptions.defaults().withStaleAge(Duration.ZERO))) {
                PublishResult cleaning = eager.publish(export("c", 3), "run-c", fields(0.8));
                assertEquals(afterGarbage + 1, cleaning.version());
                assertEquals(
                        List.of(leftover.path().toUri().getPath()),
                        cleaning.removedLeftovers().stream().map(URI::getPath).toList());
            }
            assertFalse(fs.exists(leftover.path()), "the stale leftover must be gone");

            List<VersionStatus> after = repo.list();
            List<Long> expected = leftover.numbered() ? List.of(1L, 3L, 4L) : List.of(1L, 2L, 3L);
            assertEquals(expected, after.stream().map(VersionStatus::version).toList());
            for (VersionStatus status : after) {
                VersionStatus verified = repo.verify(status.version());
                assertEquals(
                        VersionState.COMPLETE,
                        verified.state(),
                        () -> verified.problems().toString());
            }
            assertEquals(expected.stream().map(String::valueOf).toList(), names(fs, modelPath));
        }
    }

    /**
     * A publisher in its own JVM is SIGKILLed after each change it makes, one run per change, while a
     * reader following the serving rule scans the model every 50 ms and also once after every single
     * change: it never sees an incomplete version, and the next publish of the same run (an Airflow
     * retry) removes the leftovers and publishes exactly one complete version.
     */
    @Test
    void aPublisherKilledAfterAnyChangeNeverExposesAnIncompleteVersion() throws Exception {
        URI model = newModelUri();
        Path modelPath = new Path(model);
        java.nio.file.Path export = export("killed", 7);
        try (ModelRepository repo = open(model)) {
            repo.publish(export("served", 1), "run-served", fields(0.8)); // kills happen beside a served version
        }
        List<String> kills = new ArrayList<>();
        try (FileSystem fs = adminFs(model);
                ServingRulePoller poller =
                        ServingRulePoller.start(fs, fs.makeQualified(modelPath), manifestMarksVersion());
                ModelRepository retry = ModelRepository.open(
                        model, conf(), PublishOptions.defaults().withStaleAge(Duration.ZERO))) {
            for (int killAfter = 1; ; killAfter++) {
                String run = "run-killed-" + killAfter;
                StoppablePublisher.Outcome outcome = StoppablePublisher.run(
                        conf(), tmp, model, export, run, killAfter, change -> poller.awaitScans(1));
                if (!outcome.killed()) {
                    assertTrue(killAfter > 3, "a publish makes several changes: " + outcome.changes());
                    assertTrue(retry.verify(outcome.version()).isComplete());
                    break;
                }
                String killedAt = outcome.changes().get(killAfter - 1);
                kills.add(killedAt);
                poller.awaitScans(2);
                assertEquals(List.of(), poller.violations(), () -> "killed after " + killedAt);

                PublishResult next = retry.publish(export, run, fields(0.8));
                boolean visibleBeforeKill = killedAt.contains(" RENAMED ")
                        || killedAt.contains(" MANIFEST_WRITTEN ") && manifestMarksVersion()
                        || killedAt.contains(" CLAIM_REMOVED ");
                assertEquals(visibleBeforeKill, next.reused(), () -> "killed after " + killedAt + ": " + next);
                assertTrue(retry.verify(next.version()).isComplete(), () -> "killed after " + killedAt);
                List<String> leftovers = names(fs, modelPath).stream()
                        .filter(name -> !name.matches("[0-9]+"))
                        .toList();
                assertEquals(List.of(), leftovers, () -> "killed after " + killedAt + ": staging left");
                List<VersionStatus> versions = retry.list();
                for (VersionStatus status : versions) {
                    assertEquals(
                            VersionState.COMPLETE,
                            status.state(),
                            () -> "killed after " + killedAt + ": " + status + " left");
                }
                assertEquals(
                        1,
                        versions.stream()
                                .filter(v -> v.manifest().runId().equals(run))
                                .count(),
                        () -> "killed after " + killedAt + ": one version of " + run);
                poller.awaitScans(1);
            }
            assertTrue(kills.size() >= 4, kills::toString);
            assertEquals(List.of(), poller.violations(), () -> "killed after each of " + kills);
            assertTrue(poller.versionsChecked() > poller.scans(), "the poller checked versions in every scan");
            int versions = retry.list().size();
            assertTrue(
                    poller.versionsVerified() >= versions,
                    () -> "the poller read every one of the " + versions + " versions whole: "
                            + poller.versionsVerified());
            System.out.printf(
                    "%s: publisher killed after each of %d changes; %d scans, %d version checks,"
                            + " %d versions read whole, %d incomplete versions seen%n",
                    getClass().getSimpleName(),
                    kills.size(),
                    poller.scans(),
                    poller.versionsChecked(),
                    poller.versionsVerified(),
                    poller.violations().size());
        }
    }

    @Test
    void corruptedFilesAreReportedByName() throws Exception {
        URI model = newModelUri();
        try (ModelRepository repo = open(model);
                FileSystem fs = adminFs(model)) {
            repo.publish(export("a", 1), "run-a", fields(0.8));
            repo.publish(export("b", 2), "run-b", fields(0.8));
            Path two = new Path(new Path(model), "2");

            // Same size, different bytes: only re-hashing notices.
            Path data = new Path(two, TestExports.VARIABLES_DATA);
            byte[] bytes = readBytes(fs, data);
            String expectedSha = TestExports.sha256(bytes);
            bytes[bytes.length / 2] ^= 0x5a;
            writeBytes(fs, data, bytes);

            assertTrue(repo.list().get(1).isComplete(), "list() checks sizes only");
            VersionStatus verified = repo.verify(2);
            assertEquals(VersionState.CORRUPT, verified.state());
            assertEquals(1, verified.problems().size(), verified.problems()::toString);
            FileProblem problem = verified.problems().get(0);
            assertEquals(TestExports.VARIABLES_DATA, problem.path());
            assertTrue(problem.expected().contains(expectedSha), problem.toString());
            assertTrue(problem.found().contains(TestExports.sha256(bytes)), problem.toString());
            assertEquals(1, repo.latestComplete().orElseThrow().version(), "the corrupt version 2 is skipped");

            // A truncated file shows in list() already, named with both sizes.
            Path savedModel = new Path(two, TestExports.SAVED_MODEL);
            byte[] full = readBytes(fs, savedModel);
            writeBytes(fs, savedModel, Arrays.copyOf(full, 100));
            VersionStatus listed = repo.list().get(1);
            assertEquals(VersionState.CORRUPT, listed.state());
            assertTrue(
                    listed.problems()
                            .contains(new FileProblem(TestExports.SAVED_MODEL, "size " + full.length, "size 100")),
                    listed.problems()::toString);

            // A file the manifest does not list, and a missing one, are problems of version 1 now.
            writeBytes(fs, new Path(new Path(model), "1/variables/extra.bin"), new byte[] {1, 2, 3});
            fs.delete(new Path(new Path(model), "1/" + TestExports.TFLITE), false);
            VersionStatus one = repo.verify(1);
            assertEquals(VersionState.CORRUPT, one.state());
            assertEquals(
                    List.of(TestExports.TFLITE, "variables/extra.bin"),
                    one.problems().stream().map(FileProblem::path).sorted().toList());
            assertEquals(
                    "missing",
                    one.problems().stream()
                            .filter(p -> p.path().equals(TestExports.TFLITE))
                            .findFirst()
                            .orElseThrow()
                            .found());
            assertTrue(repo.latestComplete().isEmpty());

            // A corrupt version keeps its number: the next publish goes above it.
            assertEquals(3, repo.publish(export("c", 3), "run-c", fields(0.8)).version());
        }
    }

    @Test
    void unreadableManifestMakesTheVersionCorrupt() throws Exception {
        URI model = newModelUri();
        try (ModelRepository repo = open(model);
                FileSystem fs = adminFs(model)) {
            repo.publish(export("a", 1), "run-a", fields(0.8));
            Path manifest = new Path(new Path(model), "1/manifest.json");
            byte[] json = readBytes(fs, manifest);
            writeBytes(fs, manifest, Arrays.copyOf(json, json.length / 2));

            VersionStatus status = repo.list().get(0);
            assertEquals(VersionState.CORRUPT, status.state());
            assertNull(status.manifest());
            assertEquals("manifest.json", status.problems().get(0).path());
            assertTrue(status.problems().get(0).found().contains("not valid JSON"), status.problems()::toString);
        }
    }

    @Test
    void aManifestFieldHoldingASecretIsRefused() throws Exception {
        URI model = newModelUri();
        Configuration conf = new Configuration(conf());
        conf.set("distillery.test.password", "correct-horse-battery-staple");
        try (ModelRepository repo = ModelRepository.open(model, conf)) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> repo.publish(
                            export("a", 1),
                            "run-a",
                            Map.of("provenance", Map.of("jdbc", "user:correct-horse-battery-staple@db"))));
            assertTrue(e.getMessage().contains("'provenance'"), e.getMessage());
            assertTrue(e.getMessage().contains("distillery.test.password"), e.getMessage());
            assertFalse(e.getMessage().contains("correct-horse"), e.getMessage());
            assertEquals(List.of(), repo.list());
        }
    }

    @Test
    void badArgumentsFailBeforeAnythingIsWritten() throws Exception {
        URI model = newModelUri();
        java.nio.file.Path missing = tmp.resolve("no-such-export");
        java.nio.file.Path withManifest = export("with-manifest", 1);
        Files.writeString(withManifest.resolve("manifest.json"), "{}", StandardCharsets.UTF_8);
        java.nio.file.Path empty = Files.createDirectories(tmp.resolve("empty"));
        ModelRepository closed;
        try (ModelRepository repo = open(model)) {
            closed = repo;
            ModelRepositoryException noDir =
                    assertThrows(ModelRepositoryException.class, () -> repo.publish(missing, "run-a", Map.of()));
            assertTrue(
                    noDir.getMessage().contains(missing.toString())
                            && noDir.getMessage().contains("does not exist"),
                    noDir.getMessage());
            ModelRepositoryException clash =
                    assertThrows(ModelRepositoryException.class, () -> repo.publish(withManifest, "run-a", Map.of()));
            assertTrue(clash.getMessage().contains("already holds manifest.json"), clash.getMessage());
            ModelRepositoryException none =
                    assertThrows(ModelRepositoryException.class, () -> repo.publish(empty, "run-a", Map.of()));
            assertTrue(none.getMessage().contains("holds no files"), none.getMessage());
            IllegalArgumentException reserved = assertThrows(
                    IllegalArgumentException.class, () -> repo.publish(export("ok", 2), "run-a", Map.of("version", 7)));
            assertTrue(reserved.getMessage().contains("'version' is reserved"), reserved.getMessage());
            IllegalArgumentException badRun = assertThrows(
                    IllegalArgumentException.class, () -> repo.publish(export("ok2", 2), "../escape", Map.of()));
            assertTrue(badRun.getMessage().contains("'../escape'"), badRun.getMessage());
            ModelRepositoryException noVersion = assertThrows(ModelRepositoryException.class, () -> repo.verify(4));
            assertTrue(noVersion.getMessage().contains("version 4 does not exist"), noVersion.getMessage());
            assertEquals(List.of(), repo.list());
        }
        IllegalStateException afterClose = assertThrows(IllegalStateException.class, closed::list);
        assertTrue(afterClose.getMessage().contains("is closed"), afterClose.getMessage());
        try (FileSystem fs = adminFs(model)) {
            assertFalse(
                    fs.exists(new Path(model)) && !names(fs, new Path(model)).isEmpty(),
                    "nothing may be written for rejected arguments");
        }
    }

    /** Makes the store unreachable, or reachable again. */
    @FunctionalInterface
    interface StoreSwitch {
        void flip() throws Exception;
    }

    /**
     * Publishes while {@code lose} cuts the store off after the third file: the publish fails naming
     * the model, no complete version appears; once {@code restore} brought the store back, the next
     * publish of the same run removes the leftovers and ends with exactly one complete version of it.
     */
    void storeLostMidPublish(Configuration quickFailing, StoreSwitch lose, StoreSwitch restore) throws Exception {
        URI model = newModelUri();
        try (ModelRepository repo = open(model)) {
            assertEquals(1, repo.publish(export("a", 1), "run-a", fields(0.8)).version());
        }
        int[] files = {0};
        PublishListener cut = (change, target) -> {
            if (change == PublishListener.Change.FILE_WRITTEN && ++files[0] == 3) {
                try {
                    lose.flip();
                } catch (Exception e) {
                    throw new IllegalStateException("could not cut the store off", e);
                }
            }
        };
        long started = System.nanoTime();
        try (ModelRepository repo = ModelRepository.open(
                model, quickFailing, PublishOptions.defaults().withListener(cut))) {
            ModelRepositoryException e = assertThrows(
                    ModelRepositoryException.class, () -> repo.publish(export("b", 2), "run-b", fields(0.8)));
            String message = e.getMessage();
            System.out.printf(
                    "%s: store lost after 3 files, failed in %.1f s: %s%n",
                    getClass().getSimpleName(), (System.nanoTime() - started) / 1e9, message);
            assertTrue(message.contains("publishing run 'run-b'") && message.contains(model.getPath()), message);
            assertEquals(3, files[0], "the store was cut off after the third file");
        } finally {
            restore.flip();
        }
        try (ModelRepository repo = ModelRepository.open(
                        model, conf(), PublishOptions.defaults().withStaleAge(Duration.ZERO));
                FileSystem fs = adminFs(model)) {
            assertEquals(
                    List.of(1L),
                    repo.list().stream()
                            .filter(VersionStatus::isComplete)
                            .map(VersionStatus::version)
                            .toList(),
                    "no complete version from the lost publish");
            PublishResult next = repo.publish(export("b", 2), "run-b", fields(0.8));
            assertFalse(next.reused(), next::toString);
            List<VersionStatus> after = repo.list();
            assertTrue(after.stream().allMatch(VersionStatus::isComplete), after::toString);
            assertEquals(
                    List.of("run-a", "run-b"),
                    after.stream().map(v -> v.manifest().runId()).toList());
            assertTrue(
                    names(fs, new Path(model)).stream().allMatch(n -> n.matches("[0-9]+")),
                    "leftovers removed: " + names(fs, new Path(model)));
        }
    }

    // ---- helpers reading the store directly ----

    static byte[] readBytes(FileSystem fs, Path path) throws IOException {
        try (FSDataInputStream in = fs.open(path)) {
            return in.readAllBytes();
        }
    }

    static void writeBytes(FileSystem fs, Path path, byte[] bytes) throws IOException {
        try (FSDataOutputStream out = fs.create(path, true)) {
            out.write(bytes);
        }
    }

    /** Names of the children of {@code dir}, sorted numerically where numeric. */
    static List<String> names(FileSystem fs, Path dir) throws IOException {
        return Arrays.stream(fs.listStatus(dir))
                .map(s -> s.getPath().getName())
                .sorted((a, b) -> a.matches("\\d+") && b.matches("\\d+")
                        ? Long.compare(Long.parseLong(a), Long.parseLong(b))
                        : a.compareTo(b))
                .toList();
    }

    /** Relative path to length, modification time and sha256 of every file under {@code dir}. */
    static Map<String, String> snapshot(FileSystem fs, Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        String prefix = fs.makeQualified(dir).toUri().getPath() + "/";
        var it = fs.listFiles(dir, true);
        while (it.hasNext()) {
            FileStatus status = it.next();
            String name = status.getPath().toUri().getPath().substring(prefix.length());
            files.put(
                    name,
                    status.getLen() + " " + status.getModificationTime() + " "
                            + TestExports.sha256(readBytes(fs, status.getPath())));
        }
        return files;
    }
}
