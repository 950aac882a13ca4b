package io.distillery.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on {@code file://}: staging plus one POSIX rename. */
class LocalModelRepositoryTest extends ModelRepositoryContract {

    @TempDir
    static java.nio.file.Path store;

    @Override
    URI baseUri() {
        return URI.create(store.toUri().toString().replaceAll("/?$", "/"));
    }

    @Override
    Configuration conf() {
        return new Configuration();
    }

    @Override
    boolean manifestMarksVersion() {
        return false; // rename is atomic: TensorFlow Serving's own rule holds
    }

    @Override
    Leftover leaveKilledPublisher(FileSystem fs, Path modelPath, long version) throws IOException {
        Path staging = new Path(modelPath, "_staging-killed-run-0123456789abcdef");
        try (FSDataOutputStream out = fs.create(new Path(staging, "variables/variables.data-00000-of-00001"))) {
            out.write(new byte[1000]); // half an upload
        }
        return new Leftover(staging, false);
    }

    @Test
    void publishingBelowARegularFileFailsClearlyAndCreatesNothing() throws IOException {
        java.nio.file.Path blocker = tmp.resolve("blocker");
        Files.writeString(blocker, "a file, not a directory", StandardCharsets.UTF_8);
        URI model = URI.create(blocker.toUri() + "/models/fashion");
        try (ModelRepository repo = open(model)) {
            ModelRepositoryException e =
                    assertThrows(ModelRepositoryException.class, () -> repo.publish(export("a", 1), "run-a", Map.of()));
            String message = e.getMessage();
            assertTrue(message.contains("publishing run 'run-a'"), message);
            assertTrue(message.contains(blocker + "/models/fashion"), message);
            assertTrue(message.contains("creating staging directory"), message);
            assertEquals(List.of(), repo.list());
        }
        assertEquals("a file, not a directory", Files.readString(blocker, StandardCharsets.UTF_8));
    }

    @Test
    void publishedFilesHaveNoChecksumSideFiles() throws IOException {
        URI model = newModelUri();
        try (ModelRepository repo = open(model)) {
            repo.publish(export("a", 1), "run-a", Map.of());
        }
        java.nio.file.Path version = java.nio.file.Path.of(model).resolve("1");
        try (var files = Files.walk(version)) {
            List<String> crc = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".crc"))
                    .toList();
            assertEquals(List.of(), crc);
        }
    }
}
