package io.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only verified versions are served: a newer version whose bytes no longer match its manifest (same
 * size, different content, or a file cut short) is refused with DATA_LOSS naming the file, a version
 * directory without a manifest is ignored, and "latest" falls back to the newest version that
 * verifies.
 */
class CorruptVersionTest {
    @TempDir
    Path tmp;

    @Test
    void latestFallsBackToTheNewestVersionWhoseHashesMatch() throws Exception {
        Path base = tmp.resolve("models");
        URI model = TestModels.modelUri(base, "fashion");
        TestModels.publish(model, 1, tmp);
        TestModels.publish(model, 2, tmp);
        Path variables;
        try (var files = Files.list(base.resolve("fashion/2/variables"))) {
            variables = files.filter(p -> p.getFileName().toString().startsWith("variables.data"))
                    .findFirst()
                    .orElseThrow();
        }
        try (RandomAccessFile file = new RandomAccessFile(variables.toFile(), "rw")) {
            file.seek(file.length() / 2);
            int b = file.read();
            file.seek(file.length() / 2);
            file.write(b ^ 0x5a); // same size, different bytes: only the sha256 tells
        }
        Path incomplete = Files.createDirectories(base.resolve("fashion/3"));
        Files.copy(base.resolve("fashion/1/saved_model.pb"), incomplete.resolve("saved_model.pb"));

        try (ModelServer server = ModelServer.start(
                ServeOptions.of(model).withEndpoints(new Endpoints("127.0.0.1", 0, OptionalInt.empty())),
                new Configuration())) {
            Http http = new Http(server.restPort());
            assertEquals(List.of(1L), server.servingVersions());

            float[] x = TestModels.features(1, 3);
            Http.Answer answer = http.post("/v1/models/fashion:predict", TestModels.instancesJson(x, 1));
            assertEquals("1", answer.version());
            assertArrayEquals(
                    TestModels.reference(1, x, 1),
                    RestApiTest.floats(answer.json().get("predictions")));

            JsonNode status = http.get("/v1/models/fashion/versions/2").json().at("/model_version_status/0");
            assertEquals("END", status.get("state").asText());
            assertEquals("DATA_LOSS", status.at("/status/error_code").asText());
            String message = status.at("/status/error_message").asText();
            assertTrue(
                    message.contains("variables/variables.data") && message.contains("does not match its manifest"),
                    message);
            assertTrue(!message.contains(tmp.toString()), "no local paths: " + message);
            assertEquals(404, http.get("/v1/models/fashion/versions/3").status());
        }
    }

    @Test
    void aVersionWhoseFilesDisagreeInSizeIsReportedNamingTheFileAndNeverLoaded() throws Exception {
        Path base = tmp.resolve("models");
        URI model = TestModels.modelUri(base, "fashion");
        TestModels.publish(model, 1, tmp);
        TestModels.publish(model, 2, tmp);
        Path pb = base.resolve("fashion/2/saved_model.pb");
        byte[] whole = Files.readAllBytes(pb);
        Files.write(pb, java.util.Arrays.copyOf(whole, whole.length / 2)); // a copy cut short

        try (ModelServer server = ModelServer.start(
                ServeOptions.of(model).withEndpoints(new Endpoints("127.0.0.1", 0, OptionalInt.empty())),
                new Configuration())) {
            Http http = new Http(server.restPort());
            assertEquals(List.of(1L), server.servingVersions(), "the truncated version 2 is not loaded");
            assertEquals(
                    "1",
                    http.post("/v1/models/fashion:predict", TestModels.instancesJson(TestModels.features(1, 3), 1))
                            .version());

            JsonNode status = http.get("/v1/models/fashion/versions/2").json().at("/model_version_status/0");
            assertEquals("END", status.get("state").asText());
            assertEquals("DATA_LOSS", status.at("/status/error_code").asText());
            String message = status.at("/status/error_message").asText();
            assertTrue(
                    message.contains(
                            "saved_model.pb: expected size " + whole.length + ", found size " + whole.length / 2),
                    message);
            assertTrue(!message.contains(tmp.toString()), "no local paths: " + message);
        }
    }
}
