package io.distillery.jobs.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Copies of run directories, so that a fault case can start from another run's finished stages. */
final class RunCopy {
    private RunCopy() {}

    /**
     * Copies {@code runs/<from>} to {@code runs/<to>}, keeping only the entries whose top-level name
     * (a stage directory, {@code config.yaml}, ...) {@code keep} accepts.
     */
    static void copy(Path runs, String from, String to, Predicate<String> keep) throws IOException {
        Path source = runs.resolve(from);
        Path target = runs.resolve(to);
        Files.createDirectories(target);
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path relative = source.relativize(file);
                if (relative.toString().isEmpty()
                        || !keep.test(relative.getName(0).toString())) {
                    continue;
                }
                Path copy = target.resolve(relative.toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(file, copy);
                }
            }
        }
    }
}
