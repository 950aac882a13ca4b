package io.distillery.jobs.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A tmpfs mounted over a directory, for file systems that are full or read-only for real. Mounting
 * needs root (CAP_SYS_ADMIN), which the CI machines have; without it the case fails saying so.
 */
final class TmpfsMount {
    private TmpfsMount() {}

    /** Mounts a tmpfs with {@code options} (e.g. {@code size=64k} or {@code ro,size=1m}) over {@code dir}. */
    static void mount(Path dir, String options) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        run(
                List.of("mount", "-t", "tmpfs", "-o", options, "distillery-fault", dir.toString()),
                "mounting a tmpfs needs root");
    }

    static boolean isMounted(Path dir) throws IOException {
        String target = dir.toAbsolutePath().normalize().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] fields = line.split(" ");
            if (fields.length > 1 && fields[1].equals(target)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Unmounts {@code dir} if a tmpfs is mounted there. A file this JVM still holds open on it (Hadoop
     * keeps the descriptor of a stream whose close failed on a full disk) keeps it busy: then it is
     * detached at once and freed when the descriptor goes ({@code umount -l}).
     */
    static void unmountIfMounted(Path dir) throws IOException, InterruptedException {
        if (isMounted(dir)) {
            run(
                    holdsFilesUnder(dir) ? List.of("umount", "-l", dir.toString()) : List.of("umount", dir.toString()),
                    "is a process still using it?");
        }
    }

    /** Whether this process has a file under {@code dir} open (from /proc/self/fd). */
    private static boolean holdsFilesUnder(Path dir) throws IOException {
        String prefix = dir.toAbsolutePath().normalize() + "/";
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith(prefix)) {
                        return true;
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor was closed while listing
                }
            }
        }
        return false;
    }

    private static void run(List<String> command, String hint) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in 30 s");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new IOException(
                    String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + output + " (" + hint + ")");
        }
    }
}
