package io.distillery.core.train;

import io.distillery.core.data.Shard;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Epochs of shuffled mini-batches from a {@link Shard} into a {@link Trainer}.
 *
 * <p>Every batch is full: an epoch of {@code stepsPerEpoch × batchSize} examples walks a fresh
 * permutation of the shard and, when it runs out, continues into the next permutation (re-sampling).
 * That is how workers with unequal shards still take the same number of steps per epoch, which a
 * synchronous all-reduce requires. The permutation depends only on the seed and the epoch, so a
 * resumed run sees the same batches as an uninterrupted one.
 */
public final class TrainingLoop {

    /**
     * @param stepsPerEpoch 0 means {@code ceil(rows / batchSize)}
     */
    public record Plan(int epochs, int batchSize, int stepsPerEpoch, long seed) implements java.io.Serializable {
        public Plan {
            if (epochs < 0) {
                throw new IllegalArgumentException("epochs must be >= 0, found " + epochs);
            }
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batch_size must be > 0, found " + batchSize);
            }
            if (stepsPerEpoch < 0) {
                throw new IllegalArgumentException("steps_per_epoch must be >= 0, found " + stepsPerEpoch);
            }
        }

        public int steps(int rows) {
            return stepsPerEpoch > 0 ? stepsPerEpoch : (rows + batchSize - 1) / batchSize;
        }
    }

    /** Callbacks; all optional. */
    public interface Listener {
        /** Before each step; {@code step} counts from 0 over the whole run (pruning schedules use it). */
        default void beforeStep(Trainer trainer, long step) {}

        default void afterStep(Trainer trainer, long step, StepResult result) {}

        default void afterEpoch(Trainer trainer, EpochMetrics metrics) {}

        /** Every listener in {@code listeners}, in order. */
        static Listener all(List<Listener> listeners) {
            return new Listener() {
                @Override
                public void beforeStep(Trainer trainer, long step) {
                    listeners.forEach(l -> l.beforeStep(trainer, step));
                }

                @Override
                public void afterStep(Trainer trainer, long step, StepResult result) {
                    listeners.forEach(l -> l.afterStep(trainer, step, result));
                }

                @Override
                public void afterEpoch(Trainer trainer, EpochMetrics metrics) {
                    listeners.forEach(l -> l.afterEpoch(trainer, metrics));
                }
            };
        }
    }

    private TrainingLoop() {}

    /**
     * Trains until {@code plan.epochs()} epochs are done, starting where the trainer's step counter
     * stands: a trainer restored from a mid-epoch checkpoint skips the batches it already took, so the
     * resumed run sees exactly the batches an uninterrupted run would.
     *
     * @return metrics of the epochs run now (a partially resumed epoch counts its remaining steps only)
     */
    public static List<EpochMetrics> run(Trainer trainer, Shard shard, Plan plan, Listener listener) {
        if (shard.rows() == 0) {
            throw new IllegalArgumentException("cannot train on an empty shard");
        }
        List<EpochMetrics> out = new ArrayList<>();
        int steps = plan.steps(shard.rows());
        trainer.plan(steps, (long) plan.epochs() * steps);
        int firstEpoch = (int) (trainer.step() / steps);
        for (int epoch = firstEpoch; epoch < plan.epochs(); epoch++) {
            long started = System.nanoTime();
            int[] order = order(shard.rows(), steps * plan.batchSize(), plan.seed(), epoch);
            double lossSum = 0;
            long correct = 0;
            long examples = 0;
            long labelled = 0;
            int done = 0;
            for (int s = (int) (trainer.step() - (long) epoch * steps); s < steps; s++) {
                int[] idx = java.util.Arrays.copyOfRange(order, s * plan.batchSize(), (s + 1) * plan.batchSize());
                long globalStep = trainer.step();
                listener.beforeStep(trainer, globalStep);
                StepResult r;
                try (VectorSchemaRoot batch = shard.gather(idx)) {
                    r = trainer.step(batch);
                }
                lossSum += r.loss();
                correct += r.correct();
                examples += r.examples();
                labelled += r.labelled();
                done++;
                listener.afterStep(trainer, globalStep, r);
            }
            EpochMetrics m = new EpochMetrics(
                    epoch,
                    done,
                    done == 0 ? 0 : lossSum / done,
                    labelled == 0 ? 0 : (double) correct / labelled,
                    examples,
                    (System.nanoTime() - started) / 1e9);
            out.add(m);
            listener.afterEpoch(trainer, m);
        }
        return out;
    }

    /** {@code count} row indices: concatenated seeded permutations of {@code [0, rows)}. */
    static int[] order(int rows, int count, long seed, int epoch) {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + epoch);
        int[] out = new int[count];
        int[] perm = new int[rows];
        int filled = 0;
        while (filled < count) {
            for (int i = 0; i < rows; i++) {
                perm[i] = i;
            }
            for (int i = rows - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            int n = Math.min(rows, count - filled);
            System.arraycopy(perm, 0, out, filled, n);
            filled += n;
        }
        return out;
    }
}
