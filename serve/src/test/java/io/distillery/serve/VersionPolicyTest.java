package io.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillery.serve.model.VersionPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pinned versions: both are served, a request without a version gets the newest pinned one. */
class VersionPolicyTest {
    @TempDir
    Path tmp;

    @Test
    void pinnedVersionsAreServedSideBySide() throws Exception {
        URI model = TestModels.modelUri(tmp.resolve("models"), "fashion");
        for (long seed = 1; seed <= 3; seed++) {
            TestModels.publish(model, seed, tmp);
        }
        ServeOptions options = ServeOptions.of(model)
                .withModelName("clothes")
                .withEndpoints(new Endpoints("127.0.0.1", 0, OptionalInt.empty()))
                .withPolicy(VersionPolicy.specific(List.of(1L, 2L)));
        try (ModelServer server = ModelServer.start(options, new Configuration())) {
            Http http = new Http(server.restPort());
            float[] x = TestModels.features(1, 5);
            String body = TestModels.instancesJson(x, 1);

            assertEquals(List.of(1L, 2L), server.servingVersions());
            Http.Answer newest = http.post("/v1/models/clothes:predict", body);
            Http.Answer first = http.post("/v1/models/clothes/versions/1:predict", body);
            assertEquals("2", newest.version());
            assertArrayEquals(
                    TestModels.reference(2, x, 1),
                    RestApiTest.floats(newest.json().get("predictions")));
            assertEquals("1", first.version());
            assertArrayEquals(
                    TestModels.reference(1, x, 1),
                    RestApiTest.floats(first.json().get("predictions")));
            assertEquals(
                    404,
                    http.post("/v1/models/clothes/versions/3:predict", body).status());
            assertEquals(404, http.post("/v1/models/fashion:predict", body).status());
        }
    }

    @Test
    void policiesChooseFromCompleteVersions() {
        assertEquals(List.of(7L), List.copyOf(VersionPolicy.latest().select(List.of(3L, 7L, 5L))));
        assertEquals(List.of(), List.copyOf(VersionPolicy.latest().select(List.of())));
        assertEquals(
                List.of(3L), List.copyOf(VersionPolicy.specific(List.of(3L, 4L)).select(List.of(3L, 7L))));
    }
}
