package io.distillery.publish;

import java.io.IOException;
import org.apache.hadoop.fs.FSError;

/** Runs one I/O step and names it in the failure, so every message says what was being done where. */
final class Steps {

    /** An I/O action. */
    @FunctionalInterface
    interface IoAction<T> {
        T call() throws IOException;
    }

    /** An I/O action without a result. */
    @FunctionalInterface
    interface IoRunnable {
        void run() throws IOException;
    }

    private Steps() {}

    static <T> T step(String what, IoAction<T> action) throws IOException {
        try {
            return action.call();
        } catch (ModelRepositoryException e) {
            throw e;
        } catch (IOException | RuntimeException | FSError e) {
            // Hadoop's local file system reports a full or failing disk as an Error around the IOException.
            Throwable reason = e instanceof FSError && e.getCause() != null ? e.getCause() : e;
            throw new ModelRepositoryException(
                    what + ": " + reason.getClass().getSimpleName() + ": " + Messages.firstLine(reason.getMessage()),
                    e);
        }
    }

    static void run(String what, IoRunnable action) throws IOException {
        step(what, () -> {
            action.run();
            return null;
        });
    }

    /** Runs a clean-up after a failure; its own failure is attached to {@code primary}, never thrown. */
    static void cleanUp(Throwable primary, IoRunnable action) {
        try {
            action.run();
        } catch (IOException | RuntimeException e) {
            primary.addSuppressed(e);
        }
    }
}
