package io.distillery.stage;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.Weights;
import io.distillery.core.train.EpochMetrics;
import io.distillery.core.train.Replica;
import io.distillery.core.train.StepResult;
import io.distillery.core.train.Trainer;
import io.distillery.core.train.TrainingLoop;
import io.distillery.distill.OnlineTeacher;
import io.distillery.distill.SavedModelTeacher;
import io.distillery.distill.SoftTargets;
import io.distillery.prune.MaskPolicy;
import io.distillery.prune.PruningListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tensorflow.proto.ConfigProto;

/**
 * One worker's part of a stage: trains {@link StagePlan} on a shard (resuming from the checkpoint the
 * driver chose, if any), and on rank 0 reports progress and writes checkpoints to the stage's store.
 * Knows nothing of Spark: the local and the data-parallel stages, and the tests, all run this.
 *
 * @param checkpointEverySteps rank 0 checkpoints every so many steps (0: at epoch ends)
 * @param resumeFrom a checkpoint name in {@code <stage>/checkpoints} every worker starts from, or null
 */
public record StageBody(StagePlan plan, StageStore store, int checkpointEverySteps, String resumeFrom) {
    private static final Logger LOG = LogManager.getLogger(StageBody.class);
    private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;

    /**
     * @param replica where the trainer runs ({@link Replica#LOCAL} alone); asked once the shard is
     *     ready, right before the trainer is built: a data-parallel task meets its peers there
     */
    public StageResult run(int rank, Shard shard, Supplier<Replica> replica) {
        // Logits scored once per run arrive with the shard; otherwise this worker scores its own shard.
        boolean scored = shard.hasColumn(Columns.TEACHER_LOGITS);
        try (Shard taught = scored
                ? null
                : plan instanceof StagePlan.Distilled d
                        ? withTeacher(shard, d.teaching())
                        : plan instanceof StagePlan.Pruned p ? withTeacher(shard, p.teaching()) : null) {
            Shard data = taught != null ? taught : shard;
            TrainingLoop.Plan loop = plan.training().loop();
            Weights start = plan instanceof StagePlan.Pruned p
                    ? p.start().weights()
                    : Initializer.glorotUniform(plan.spec(), loop.seed());
            PruningListener pruning = null;
            Set<String> masked = Set.of();
            if (plan instanceof StagePlan.Pruned p) {
                int stepsPerEpoch = loop.steps(data.rows());
                MaskPolicy policy = MaskPolicy.of(p.kind(), plan.spec());
                pruning = new PruningListener(p.pruning().schedule(loop.epochs(), stepsPerEpoch), policy);
                masked = PruningListener.maskedVariables(start, policy);
            }
            Replica place = replica.get();
            Trainer.Options options = new Trainer.Options(
                    plan.spec(),
                    plan.loss(),
                    plan.training().optimizer(),
                    place.reducer(),
                    dropoutSeed(loop.seed(), rank),
                    masked,
                    place.sessions(),
                    plan.training().recipe());
            try (Trainer trainer = new Trainer(options);
                    OnlineTeacher online = consistentTeacher(trainer)) {
                // The driver chose the checkpoint: every worker resumes from the same file, in sync.
                if (resumeFrom != null) {
                    trainer.restore(Checkpoints.read(store, resumeFrom));
                } else {
                    trainer.load(start);
                }
                List<TrainingLoop.Listener> listeners = new ArrayList<>();
                if (pruning != null) {
                    listeners.add(pruning);
                }
                if (rank == 0) {
                    listeners.add(new Reporter(loop.steps(data.rows())));
                }
                List<EpochMetrics> epochs = TrainingLoop.run(trainer, data, loop, TrainingLoop.Listener.all(listeners));
                Weights last = trainer.weights();
                // Every rank hands back its weights; a data-parallel stage keeps rank 0's and a digest of the others'.
                return new StageResult(rank, pruning != null ? pruning.strip(last) : last, epochs, trainer.step());
            }
        }
    }

    /**
     * The teacher that scores each augmented batch, already handed to {@code trainer}; or null when the
     * stage has no consistent teaching (or no augmentation, where the stored logits are the same rows').
     */
    private OnlineTeacher consistentTeacher(Trainer trainer) {
        StagePlan.Teaching t = plan instanceof StagePlan.Distilled d
                ? d.teaching()
                : plan instanceof StagePlan.Pruned p ? p.teaching() : null;
        if (t == null
                || !t.consistent()
                || plan.training().recipe().augmentation().isNone()) {
            return null;
        }
        OnlineTeacher online;
        if (t.teacher() instanceof StagePlan.Model m) {
            online = OnlineTeacher.of(m.spec(), m.weights(), null);
        } else {
            StagePlan.Brought b = (StagePlan.Brought) t.teacher();
            online = OnlineTeacher.of(
                    b.teachers(),
                    localCopies(b, store),
                    plan.spec().inputShape(),
                    plan.spec().numClasses(),
                    null);
        }
        trainer.scoreTeacherOnAugmentedRows(online);
        return online;
    }

    /** Rank 0 keeps the stage's seed; every other rank gets its own dropout stream. */
    static long dropoutSeed(long seed, int rank) {
        return seed + rank * 0x9E3779B97F4A7C15L;
    }

    private Shard withTeacher(Shard raw, StagePlan.Teaching t) {
        return withTeacher(
                raw, t.teacher(), plan.spec().inputShape(), plan.spec().numClasses(), store, null);
    }

    /**
     * {@code raw} with {@code teacher}'s logits for its rows (a new shard; the caller closes both). A
     * brought teacher is fetched through {@code store}.
     *
     * @param session TensorFlow's session settings for the teacher (a task's cores and GPUs), or null
     */
    public static Shard withTeacher(
            Shard raw,
            StagePlan.TeacherSource teacher,
            int[] inputShape,
            int classes,
            StageStore store,
            ConfigProto session) {
        if (teacher instanceof StagePlan.Model m) {
            return SoftTargets.attach(raw, m.spec(), m.weights(), StagePlan.Teaching.SCORING_BATCH, session);
        }
        StagePlan.Brought b = (StagePlan.Brought) teacher;
        return SoftTargets.attach(
                raw,
                b.teachers(),
                localCopies(b, store),
                inputShape,
                classes,
                StagePlan.Teaching.SCORING_BATCH,
                session);
    }

    private static List<Path> localCopies(StagePlan.Brought b, StageStore store) {
        List<Path> dirs = new ArrayList<>();
        for (SavedModelTeacher.Options options : b.teachers()) {
            try {
                dirs.add(store.localCopy(options.uri()));
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "teacher " + options.uri() + ": cannot be fetched: " + e.getMessage(), e);
            }
        }
        return dirs;
    }

    /** Rank 0's progress files and checkpoints. */
    private final class Reporter implements TrainingLoop.Listener {
        private final long stepsPerEpoch;
        private final int epochs = plan.training().loop().epochs();
        private long lastWrite;
        private double lossSum;
        private long correct;
        private long examples;
        private long labelled;
        private int epoch = -1;

        Reporter(long stepsPerEpoch) {
            this.stepsPerEpoch = stepsPerEpoch;
        }

        @Override
        public void afterStep(Trainer trainer, long step, StepResult r) {
            int e = (int) (step / stepsPerEpoch);
            if (e != epoch) {
                epoch = e;
                lossSum = 0;
                correct = 0;
                examples = 0;
                labelled = 0;
            }
            lossSum += r.loss() * r.examples();
            correct += r.correct();
            examples += r.examples();
            labelled += r.labelled();
            long now = System.nanoTime();
            if (now - lastWrite > PROGRESS_EVERY_NANOS) {
                lastWrite = now;
                write(
                        Progress.FILE,
                        Progress.now(
                                e,
                                epochs,
                                step + 1,
                                stepsPerEpoch,
                                lossSum / examples,
                                labelled == 0 ? 0 : (double) correct / labelled,
                                false));
            }
            if (checkpointEverySteps > 0 && (step + 1) % checkpointEverySteps == 0) {
                Checkpoints.write(store, trainer.state());
            }
        }

        @Override
        public void afterEpoch(Trainer trainer, EpochMetrics m) {
            if (checkpointEverySteps == 0) {
                Checkpoints.write(store, trainer.state());
            }
            Progress p = Progress.now(m.epoch(), epochs, trainer.step(), stepsPerEpoch, m.loss(), m.accuracy(), true);
            write(Progress.EPOCHS + "/" + String.format("%04d.json", m.epoch()), p);
            write(Progress.FILE, p);
        }

        private void write(String name, Progress p) {
            try {
                store.writeString(name, p.toJson());
            } catch (IOException e) {
                // Progress is for humans: a failed write must not kill training.
                LOG.warn("cannot write progress to {}: {}", store.uri(), e.getMessage());
            }
        }
    }
}
