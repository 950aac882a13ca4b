package io.distillery.stage;

import io.distillery.core.train.TrainerState;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A stage's checkpoints, {@code <stage>/checkpoints/step-NNNNNNNNNN.ckpt}: rank 0 writes them, the
 * driver picks the one every worker of the next attempt resumes from, and only the newest two are kept
 * (the newest may be cut short by the failure that makes it needed).
 */
public final class Checkpoints {
    public static final String DIR = "checkpoints";
    private static final int KEPT = 2;
    private static final Logger LOG = LogManager.getLogger(Checkpoints.class);

    private Checkpoints() {}

    /** A checkpoint file in {@code <stage>/checkpoints} and the step it was taken at. */
    public record Checkpoint(String name, long step) implements Serializable {}

    /** The newest checkpoint that reads back, or null; a corrupt one is skipped for the one before it. */
    public static Checkpoint latest(StageStore dir) {
        return latest(dir, LOG::warn);
    }

    /** As {@link #latest(StageStore)}, telling {@code warn} (the user's terminal) of every unreadable one. */
    public static Checkpoint latest(StageStore dir, Consumer<String> warn) {
        try {
            List<String> names = new ArrayList<>(dir.list(DIR));
            Collections.reverse(names);
            for (String name : names) {
                try {
                    return new Checkpoint(name, read(dir, name).step());
                } catch (RuntimeException e) {
                    warn.accept("checkpoint " + dir.uri() + "/" + DIR + "/" + name + " is unreadable (" + e.getMessage()
                            + "); trying the previous one");
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + dir.uri() + ": " + e.getMessage(), e);
        }
    }

    public static TrainerState read(StageStore dir, String name) {
        try {
            return TrainerState.read(new ByteArrayInputStream(dir.read(DIR + "/" + name)));
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read checkpoint " + dir.uri() + "/" + DIR + "/" + name + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code state} and removes all but the newest {@value #KEPT} checkpoints. */
    public static void write(StageStore dir, TrainerState state) {
        String name = String.format("%s/step-%010d.ckpt", DIR, state.step());
        try {
            dir.write(name, state::write);
            List<String> all = dir.list(DIR);
            for (int i = 0; i < all.size() - KEPT; i++) {
                dir.delete(DIR + "/" + all.get(i));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write checkpoint " + dir.uri() + "/" + name + ": " + e.getMessage(), e);
        }
    }
}
