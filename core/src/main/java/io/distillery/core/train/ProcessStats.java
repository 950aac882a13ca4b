package io.distillery.core.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's native thread count and resident memory, from {@code /proc/self} (Linux): what a
 * long training run must keep flat, and what its progress records report per epoch.
 */
public final class ProcessStats {
    private ProcessStats() {}

    /** Every thread of the process, Java's and native ones (TensorFlow's, gRPC's); -1 without /proc. */
    public static int threads() {
        String[] tasks = Path.of("/proc/self/task").toFile().list();
        return tasks == null ? -1 : tasks.length;
    }

    /** Current resident memory ({@code VmRSS}) in bytes; -1 without /proc. */
    public static long residentBytes() {
        return status("VmRSS:");
    }

    /** Peak resident memory ({@code VmHWM}) in bytes; -1 without /proc. */
    public static long peakResidentBytes() {
        return status("VmHWM:");
    }

    private static long status(String field) {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + status + ": " + e.getMessage(), e);
        }
        return -1;
    }
}
