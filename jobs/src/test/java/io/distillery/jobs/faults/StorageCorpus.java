package io.distillery.jobs.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.jobs.CliHarness;
import io.distillery.jobs.failure.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The storage faults, run through the CLI on the tiny job: a publish target that refuses writes or
 * fills up (a real read-only or size-limited tmpfs, so these need root), and a damaged checkpoint.
 */
public final class StorageCorpus {
    /** The run's training stages, each keeping weights.bin in runs/fault/STAGE. */
    static final String[] STAGES = {"teacher", "student-scratch", "student", "pruned"};

    static final int CHECKPOINT_EVERY = 4;

    private StorageCorpus() {}

    public static List<FaultCase> all() {
        return List.of(
                // Everything trains; publishing fails; the run keeps what it trained, so once the target
                // is writable again the same command only publishes.
                new FaultCase(
                                "read-only-target",
                                "storage",
                                ExitCodes.STORAGE,
                                "to file://{dir}/models/tiny failed",
                                FaultCorpus.PIPELINE_TIMEOUT,
                                d -> {
                                    BrokenStorage.readOnly(d.resolve("models"));
                                    return FaultCorpus.pipeline(d, "export.formats=savedmodel");
                                })
                        .then(StorageCorpus::rerunAfterRepairOnlyPublishes)
                        .cleanup(d -> BrokenStorage.repair(d.resolve("models"))),
                // 64 KiB hold the SavedModel's graph but not all the export (about 180 KiB): the disk fills
                // in the middle of the upload.
                new FaultCase(
                                "full-disk",
                                "storage",
                                ExitCodes.STORAGE,
                                "to file://{dir}/models/tiny failed: writing file://{dir}/models/tiny/_staging-fault-",
                                FaultCorpus.PIPELINE_TIMEOUT,
                                d -> {
                                    BrokenStorage.full(d.resolve("models"), "64k");
                                    return FaultCorpus.pipeline(d);
                                })
                        .then((d, r) -> concat(
                                trainedWeightsKept(d),
                                noStagingLeft(d),
                                r.err().contains("IOException: No space left on device")
                                        ? List.of()
                                        : List.of("the message does not say the disk is full")))
                        .cleanup(d -> BrokenStorage.repair(d.resolve("models"))),
                // The run directory fills up while the teacher's SavedModel (kept before its weights, about
                // 200 KiB) is written. (Hadoop keeps the descriptor of a stream whose close failed: the repair
                // has to unmount lazily.)
                new FaultCase(
                                "full-run-dir",
                                "storage",
                                ExitCodes.STORAGE,
                                "in run directory file://{dir}/runs/fault/teacher: IOException: No space left on device",
                                FaultCorpus.PIPELINE_TIMEOUT,
                                d -> {
                                    BrokenStorage.full(d.resolve("runs"), "128k");
                                    return FaultCorpus.pipeline(d);
                                })
                        .then((d, r) -> concat(
                                noTemporaryFilesLeft(d.resolve("runs/fault/teacher")),
                                Files.exists(d.resolve("runs/fault/teacher/savedmodel"))
                                        ? List.of("a half-written teacher/savedmodel is left")
                                        : List.of()))
                        .cleanup(d -> BrokenStorage.repair(d.resolve("runs"))),
                new FaultCase(
                                "corrupted-checkpoint",
                                "storage",
                                ExitCodes.OK,
                                "teacher/checkpoints/step-0000000020.ckpt is unreadable",
                                FaultCorpus.PIPELINE_TIMEOUT,
                                StorageCorpus::interruptedTeacherWithDamagedCheckpoint)
                        .then(StorageCorpus::resumedFromThePreviousCheckpoint));
    }

    static List<String> trainedWeightsKept(Path dir) {
        List<String> problems = new ArrayList<>();
        for (String stage : STAGES) {
            if (!Files.isRegularFile(dir.resolve("runs/fault/" + stage + "/weights.bin"))) {
                problems.add("runs/fault/" + stage + "/weights.bin is gone");
            }
        }
        return problems;
    }

    static List<String> noStagingLeft(Path dir) throws Exception {
        Path model = dir.resolve("models/tiny");
        if (!Files.isDirectory(model)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(model)) {
            List<String> left = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("_staging"))
                    .toList();
            return left.isEmpty() ? List.of() : List.of("staging left behind in models/tiny: " + left);
        }
    }

    /** A run-directory file is written under a temporary name first; a failed write removes it. */
    static List<String> noTemporaryFilesLeft(Path stageDir) throws Exception {
        if (!Files.isDirectory(stageDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(stageDir)) {
            List<String> left = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.contains(".tmp-"))
                    .toList();
            return left.isEmpty()
                    ? List.of()
                    : List.of("temporary files left in " + stageDir.getFileName() + ": " + left);
        }
    }

    /** The target repaired, the same command skips every stage and the export, and publishes. */
    static List<String> rerunAfterRepairOnlyPublishes(Path dir, CliHarness.Result failed) throws Exception {
        List<String> problems = new ArrayList<>(trainedWeightsKept(dir));
        BrokenStorage.repair(dir.resolve("models"));
        CliHarness.Result rerun = CliHarness.run(
                FaultCorpus.pipeline(dir, "export.formats=savedmodel").toArray(new String[0]));
        if (rerun.exitCode() != 0 || !rerun.out().contains(FaultCorpus.PUBLISHED)) {
            problems.add("the rerun after repair did not publish: " + FaultRunner.firstError(rerun));
        }
        for (String stage : STAGES) {
            if (!rerun.out().contains(String.format("%-16s already done in this run", stage))) {
                problems.add("the rerun trained " + stage + " again");
            }
        }
        if (!rerun.out().contains("export           already done in this run (skipped)")) {
            problems.add("the rerun exported again");
        }
        return problems;
    }

    /**
     * A run whose teacher was interrupted after its checkpoint at step 20 (1200 rows, batch 128: 10
     * steps per epoch, 2 epochs), that checkpoint then damaged. The stage is trained for real and its
     * result removed, which leaves exactly what an interrupted stage leaves: checkpoints, no result. The
     * damage is a garbled stretch in the middle with Hadoop's {@code .crc} side file gone, as on a store
     * without checksums (S3): only the checkpoint's own checksum can tell.
     */
    static List<String> interruptedTeacherWithDamagedCheckpoint(Path dir) throws Exception {
        List<String> args = FaultCorpus.pipeline(
                dir, "spark.checkpoint_every_steps=" + CHECKPOINT_EVERY, "export.formats=savedmodel");
        List<String> teacher = new ArrayList<>(args);
        teacher.set(0, "teacher");
        CliHarness.Result r = CliHarness.run(teacher.toArray(new String[0]));
        Path stage = dir.resolve("runs/fault/teacher");
        Path newest = stage.resolve("checkpoints/step-0000000020.ckpt");
        if (r.exitCode() != 0
                || !Files.isRegularFile(newest)
                || !Files.isRegularFile(stage.resolve("checkpoints/step-0000000016.ckpt"))) {
            throw new IllegalStateException("the teacher did not leave checkpoints 16 and 20: " + r);
        }
        Files.delete(stage.resolve("weights.bin"));
        Files.delete(stage.resolve("result.json"));
        byte[] b = Files.readAllBytes(newest);
        for (int i = 0; i < 256; i++) {
            b[b.length / 2 + i] ^= 0x5a;
        }
        Files.write(newest, b);
        Files.deleteIfExists(newest.resolveSibling("." + newest.getFileName() + ".crc"));
        return args;
    }

    /** The teacher resumed from the checkpoint before the damaged one and redid only the steps after it. */
    static List<String> resumedFromThePreviousCheckpoint(Path dir, CliHarness.Result r) throws Exception {
        List<String> problems = new ArrayList<>();
        if (!r.out().contains("teacher          resuming from checkpoint step 16")) {
            problems.add("the teacher did not resume from checkpoint step 16");
        }
        JsonNode result = FaultCorpus.JSON.readTree(
                dir.resolve("runs/fault/teacher/result.json").toFile());
        long redone = 0;
        for (JsonNode e : result.get("epochs")) {
            redone += e.get("steps").asLong();
        }
        if (result.get("steps").asLong() != 20 || redone > CHECKPOINT_EVERY) {
            problems.add("the teacher redid " + redone + " steps (ended at step " + result.get("steps")
                    + "), more than one checkpoint interval of " + CHECKPOINT_EVERY);
        }
        return problems;
    }

    @SafeVarargs
    static List<String> concat(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> l : lists) {
            all.addAll(l);
        }
        return all;
    }
}
