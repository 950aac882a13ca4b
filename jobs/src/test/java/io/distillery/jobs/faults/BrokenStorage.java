package io.distillery.jobs.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Directories that refuse writes or run out of space, and their repair. */
final class BrokenStorage {
    private BrokenStorage() {}

    /**
     * Makes {@code dir} refuse every write: by its permissions where they bind, by a read-only tmpfs
     * over it where they do not (root ignores permissions). Checked with a probe write.
     */
    static void readOnly(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (!acceptsWrites(dir)) {
            return;
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        TmpfsMount.mount(dir, "ro,size=1m");
        if (acceptsWrites(dir)) {
            throw new IllegalStateException(dir + " still accepts writes after mounting it read-only");
        }
    }

    /** A file system of {@code size} (e.g. {@code 64k}) over {@code dir}: writes beyond it fail with ENOSPC. */
    static void full(Path dir, String size) throws IOException, InterruptedException {
        TmpfsMount.mount(dir, "size=" + size);
    }

    /** Undoes {@link #readOnly} or {@link #full}: {@code dir} is an ordinary writable directory again. */
    static void repair(Path dir) throws IOException, InterruptedException {
        TmpfsMount.unmountIfMounted(dir);
        if (Files.isDirectory(dir)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static boolean acceptsWrites(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, "probe", ""));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
