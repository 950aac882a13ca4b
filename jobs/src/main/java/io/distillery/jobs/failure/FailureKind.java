package io.distillery.jobs.failure;

import io.distillery.core.train.TrainingDivergedException;
import io.distillery.distill.TeacherMismatchException;
import io.distillery.jobs.config.ConfigException;
import io.distillery.jobs.data.DataException;
import io.distillery.publish.ModelRepositoryException;
import io.distillery.stage.StageMismatchException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Predicate;

/**
 * What went wrong, as far as what to do about it: the exit code a command ends with, and whether
 * running a failed training stage again may help. Both decisions are made here, from the exception
 * types below ({@link Failures#classify}), so the retry of a barrier stage and the exit code cannot
 * disagree.
 */
public enum FailureKind {
    CONFIG(
            ExitCodes.CONFIG,
            false,
            ConfigException.class,
            picocli.CommandLine.ParameterException.class,
            StageMismatchException.class,
            TeacherMismatchException.class),
    DATA(ExitCodes.DATA, false, DataException.class),
    DIVERGED(ExitCodes.TRAINING, false, TrainingDivergedException.class),
    MISSING_STAGE(ExitCodes.TRAINING, false, MissingStageException.class),
    QUALITY_GATE(ExitCodes.VERIFY, false, QualityGateException.class),
    STORAGE(ExitCodes.STORAGE, true, ModelRepositoryException.class, IOException.class, UncheckedIOException.class),
    /** Spark's own failures: a lost or stalled executor, a collective that timed out. */
    CLUSTER(ExitCodes.TRAINING, true),
    /**
     * Anything else (a bug, exit 1). A training stage that fails this way is still tried again: one
     * more attempt from the checkpoint costs little and may meet a healthy executor.
     */
    INTERNAL(ExitCodes.INTERNAL, true);

    private final int exitCode;
    private final boolean retryable;
    private final List<Class<? extends Throwable>> types;

    @SafeVarargs
    FailureKind(int exitCode, boolean retryable, Class<? extends Throwable>... types) {
        this.exitCode = exitCode;
        this.retryable = retryable;
        this.types = List.of(types);
    }

    public int exitCode() {
        return exitCode;
    }

    /** Whether a training stage that failed this way is worth another attempt (from its checkpoint). */
    public boolean retryable() {
        return retryable;
    }

    /** The kind whose exception type {@code t} is, or null. */
    static FailureKind ofType(Throwable t) {
        return find(type -> type.isInstance(t));
    }

    /**
     * The kind named in a message from another JVM ("... io.distillery.jobs.data.DataException: row 3"),
     * where Spark passes a task's exception on as text; only Distillery's own exceptions count.
     */
    static FailureKind ofRemoteName(String className) {
        return find(type -> type.getName().equals(className) && className.startsWith("io.distillery."));
    }

    /** The first kind with an exception type that {@code matches}, or null. */
    private static FailureKind find(Predicate<Class<? extends Throwable>> matches) {
        for (FailureKind k : values()) {
            for (Class<? extends Throwable> type : k.types) {
                if (matches.test(type)) {
                    return k;
                }
            }
        }
        return null;
    }
}
