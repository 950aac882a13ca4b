package io.distillery.jobs.spark;

import io.distillery.core.data.Shard;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.Weights;
import io.distillery.core.train.EpochMetrics;
import io.distillery.core.train.Loss;
import io.distillery.core.train.Replica;
import io.distillery.core.train.StepResult;
import io.distillery.core.train.Trainer;
import io.distillery.core.train.TrainerState;
import io.distillery.core.train.TrainingLoop;
import io.distillery.distill.DistillationLoss;
import io.distillery.distill.SoftTargets;
import io.distillery.jobs.config.ConfigException;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.prune.PruningListener;
import io.distillery.prune.PruningScope;
import io.distillery.prune.SparsitySchedule;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * The body of one training task: its rows become an Arrow {@link Shard}, a {@link Trainer} trains on
 * it (resuming from the checkpoint the driver chose, if any: {@link StageRequest#resumeFrom()}), and
 * rank 0 reports progress and writes checkpoints. Spark-free apart from the row type, so the
 * single-worker and the barrier (data-parallel) stages share it.
 */
public final class StageTask {
  public static final String CHECKPOINTS = "checkpoints";
  private static final org.apache.logging.log4j.Logger LOG = org.apache.logging.log4j.LogManager.getLogger(StageTask.class);
  private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;

  private final StageRequest request;

  public StageTask(StageRequest request) {
    this.request = request;
  }

  /**
   * @param replica where the trainer runs ({@link Replica#LOCAL} alone); asked once the shard is
   *     read, right before the trainer is built: a data-parallel task meets its peers there
   */
  public StageResult run(int rank, Iterator<InternalRow> rows, Supplier<Replica> replica) {
    int width = request.spec().inputSize();
    try (BufferAllocator allocator = new RootAllocator();
        Shard rawShard = ShardReader.read(rows, width, allocator);
        Shard shard = request.distills() ? withTeacher(rawShard) : null) {
      Shard data = shard != null ? shard : rawShard;
      Loss loss =
          request.distills()
              ? new DistillationLoss(
                  request.distill().alpha(), request.distill().temperature(), request.spec().numClasses())
              : Loss.crossEntropy();
      Weights start =
          request.initial() != null
              ? request.initial()
              : Initializer.glorotUniform(request.spec(), request.plan().seed());
      PruningListener pruning = null;
      Set<String> masked = Set.of();
      if (request.prune() != null) {
        pruning = new PruningListener(schedule(request.prune(), request.plan(), data.rows()), PruningScope.KERNELS);
        masked = PruningListener.maskedVariables(start, PruningScope.KERNELS);
      }
      Replica place = replica.get();
      Trainer.Options options =
          new Trainer.Options(
              request.spec(), loss, request.optimizer(), place.reducer(), request.plan().seed(), masked,
              place.sessions());
      try (Trainer trainer = new Trainer(options)) {
        // The driver chose the checkpoint: every worker resumes from the same file, in sync.
        TrainerState resumed = request.resumeFrom() == null ? null : readCheckpoint(request.resumeFrom());
        if (resumed != null) {
          trainer.restore(resumed);
        } else {
          trainer.load(start);
        }
        List<TrainingLoop.Listener> listeners = new ArrayList<>();
        if (pruning != null) {
          listeners.add(pruning);
        }
        if (rank == 0) {
          listeners.add(new Reporter(request, data.rows()));
        }
        List<EpochMetrics> epochs = TrainingLoop.run(trainer, data, request.plan(), all(listeners));
        Weights finalWeights = trainer.weights();
        if (pruning != null) {
          finalWeights = pruning.strip(finalWeights);
        }
        // Every rank hands back its weights; the barrier stage keeps rank 0's and a digest of the others'.
        return new StageResult(rank, finalWeights, epochs, trainer.step());
      }
    }
  }

  private Shard withTeacher(Shard raw) {
    return SoftTargets.attach(raw, request.teacherSpec(), request.teacherWeights(), 512);
  }

  /**
   * The configured schedule; {@code end_step = -1} on a polynomial schedule means "two thirds of the
   * fine-tuning", leaving the last third to recover accuracy at the final sparsity. Fails with a config
   * error naming the keys when the schedule does not fit the fine-tuning steps; the pipeline checks
   * that before any training ({@code Pipeline.checkPruneSchedule}), since the steps depend on the data.
   */
  public static SparsitySchedule schedule(JobConfig.Prune p, TrainingLoop.Plan plan, int rows) {
    int stepsPerEpoch = plan.steps(rows);
    long total = (long) plan.epochs() * stepsPerEpoch;
    if (p.schedule().equals("constant")) {
      return new SparsitySchedule.ConstantSparsity(p.finalSparsity(), p.beginStep(), p.endStep(), p.frequency());
    }
    long end = rampEnd(p, total);
    int frequency = maskFrequency(p, end - p.beginStep());
    // Masks change only on steps begin + k·frequency: align the end to one, or the final sparsity
    // would never be reached.
    long span = (end - p.beginStep()) / frequency * frequency;
    if (span <= 0 || p.beginStep() + span >= total) {
      throw new ConfigException(
          "prune: the schedule needs prune.begin_step + prune.frequency <= prune.end_step < the " + total
              + " fine-tuning steps (prune.epochs " + plan.epochs() + " × " + stepsPerEpoch + " steps per epoch);"
              + " found prune.begin_step " + p.beginStep() + ", prune.end_step " + p.endStep()
              + (p.endStep() == -1 ? " (two thirds of the fine-tuning: " + end + ")" : "")
              + ", prune.frequency " + p.frequency()
              + "; lower prune.end_step or prune.frequency, or raise prune.epochs");
    }
    return new SparsitySchedule.PolynomialDecay(
        p.initialSparsity(), p.finalSparsity(), p.beginStep(), p.beginStep() + span, p.power(), frequency);
  }

  /**
   * Mask updates a polynomial ramp gets at least. On small data the default frequency (100 steps)
   * can leave one update: 0 → 80 % at once, which lost 15 points on 1,797 rows where a gradual ramp
   * loses about one.
   */
  public static final int MIN_MASK_UPDATES = 10;

  /** The last step of a polynomial ramp: {@code end_step}, or two thirds of the fine-tuning for -1. */
  public static long rampEnd(JobConfig.Prune p, long totalSteps) {
    return p.endStep() == -1 ? p.beginStep() + (totalSteps - p.beginStep()) * 2 / 3 : p.endStep();
  }

  /** {@code prune.frequency}, lowered so that a ramp of {@code rampSteps} gets {@value #MIN_MASK_UPDATES} updates. */
  public static int maskFrequency(JobConfig.Prune p, long rampSteps) {
    if (rampSteps / p.frequency() >= MIN_MASK_UPDATES) {
      return p.frequency();
    }
    return (int) Math.max(1, rampSteps / MIN_MASK_UPDATES);
  }

  /** A checkpoint file in {@code <stageDir>/checkpoints} and the step it was taken at. */
  public record Checkpoint(String name, long step) implements java.io.Serializable {}

  /**
   * The newest checkpoint of a stage that reads back, or null; a corrupt one is skipped for the one
   * before it. Called by the driver before each attempt, so all workers resume from the same file.
   */
  public static Checkpoint latestCheckpoint(RunDirectory dir) {
    try {
      List<String> names = new ArrayList<>(dir.list(CHECKPOINTS));
      java.util.Collections.reverse(names);
      for (String name : names) {
        try {
          TrainerState state = TrainerState.read(new ByteArrayInputStream(dir.read(CHECKPOINTS + "/" + name)));
          return new Checkpoint(name, state.step());
        } catch (IOException | RuntimeException e) {
          System.err.println(
              "distillery: checkpoint " + dir.uri() + "/" + CHECKPOINTS + "/" + name
                  + " is unreadable (" + e.getMessage() + "); trying the previous one");
        }
      }
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + dir.uri() + ": " + e.getMessage(), e);
    }
  }

  private TrainerState readCheckpoint(String name) {
    RunDirectory dir = request.stageDir();
    try {
      return TrainerState.read(new ByteArrayInputStream(dir.read(CHECKPOINTS + "/" + name)));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read checkpoint " + dir.uri() + "/" + CHECKPOINTS + "/" + name + ": " + e.getMessage(), e);
    }
  }

  private static TrainingLoop.Listener all(List<TrainingLoop.Listener> listeners) {
    return new TrainingLoop.Listener() {
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

  /** Rank 0's progress files and checkpoints. */
  static final class Reporter implements TrainingLoop.Listener {
    private final StageRequest request;
    private final long stepsPerEpoch;
    private long lastWrite;
    private double lossSum;
    private long correct;
    private long examples;
    private int epoch = -1;

    Reporter(StageRequest request, int rows) {
      this.request = request;
      this.stepsPerEpoch = request.plan().steps(rows);
    }

    @Override
    public void afterStep(Trainer trainer, long step, StepResult r) {
      int e = (int) (step / stepsPerEpoch);
      if (e != epoch) {
        epoch = e;
        lossSum = 0;
        correct = 0;
        examples = 0;
      }
      lossSum += r.loss() * r.examples();
      correct += r.correct();
      examples += r.examples();
      long now = System.nanoTime();
      if (now - lastWrite > PROGRESS_EVERY_NANOS) {
        lastWrite = now;
        write(Progress.FILE, Progress.now(e, request.plan().epochs(), step + 1, stepsPerEpoch,
            lossSum / examples, (double) correct / examples, false));
      }
      int every = request.checkpointEverySteps();
      if (every > 0 && (step + 1) % every == 0) {
        checkpoint(trainer);
      }
    }

    @Override
    public void afterEpoch(Trainer trainer, EpochMetrics m) {
      if (request.checkpointEverySteps() == 0) {
        checkpoint(trainer);
      }
      Progress p = Progress.now(m.epoch(), request.plan().epochs(), trainer.step(), stepsPerEpoch,
          m.loss(), m.accuracy(), true);
      write(ProgressMonitor.EPOCHS + "/" + String.format("%04d.json", m.epoch()), p);
      write(Progress.FILE, p);
    }

    private void write(String name, Progress p) {
      try {
        request.stageDir().writeString(name, p.toJson());
      } catch (IOException e) {
        // Progress is for humans: a failed write must not kill training.
        LOG.warn("cannot write progress to " + request.stageDir().uri() + ": " + e.getMessage());
      }
    }

    private void checkpoint(Trainer trainer) {
      RunDirectory dir = request.stageDir();
      String name = String.format("%s/step-%010d.ckpt", CHECKPOINTS, trainer.step());
      try {
        TrainerState state = trainer.state();
        dir.write(name, state::write);
        List<String> all = dir.list(CHECKPOINTS);
        for (int i = 0; i < all.size() - 2; i++) {
          dir.delete(CHECKPOINTS + "/" + all.get(i));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write checkpoint " + dir.uri() + "/" + name + ": " + e.getMessage(), e);
      }
    }
  }
}
