package io.distillery.jobs.faults;

import io.distillery.publish.ModelRepository;
import io.distillery.publish.VersionStatus;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;

/**
 * The numbered version directories under a publish base path (any model name), and how many of them
 * are COMPLETE (manifest present, every listed file there with its size).
 */
record PublishedVersions(int numbered, int complete) {

    static PublishedVersions under(Path basePath) throws IOException {
        if (!Files.isDirectory(basePath)) {
            return new PublishedVersions(0, 0);
        }
        int numbered = 0;
        int complete = 0;
        try (Stream<Path> models = Files.list(basePath)) {
            for (Path model : models.filter(Files::isDirectory).toList()) {
                try (Stream<Path> dirs = Files.list(model)) {
                    numbered += (int) dirs.filter(d -> Files.isDirectory(d)
                                    && d.getFileName().toString().matches("\\d+"))
                            .count();
                }
                complete += completeIn(model);
            }
        }
        return new PublishedVersions(numbered, complete);
    }

    private static int completeIn(Path model) throws IOException {
        List<VersionStatus> versions;
        URI uri = URI.create("file://" + model.toAbsolutePath());
        try (ModelRepository repo = ModelRepository.open(uri, new Configuration())) {
            versions = repo.list();
        } catch (IllegalArgumentException notAModelName) {
            return 0;
        }
        return (int) versions.stream().filter(VersionStatus::isComplete).count();
    }
}
