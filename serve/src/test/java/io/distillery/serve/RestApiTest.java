package io.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Point 1: TF Serving's REST JSON, exactly, against TF Java's own output. */
class RestApiTest {
    static final long SEED = 11;

    @TempDir
    static Path tmp;

    static ModelServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        URI model = TestModels.modelUri(tmp.resolve("models"), "fashion");
        TestModels.publish(model, SEED, tmp);
        server = ModelServer.start(
                ServeOptions.of(model).withEndpoints(new Endpoints("127.0.0.1", 0, OptionalInt.empty())),
                new Configuration());
        http = new Http(server.restPort());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void rowFormatAnswersPredictionsEqualToTfJava() throws Exception {
        float[] x = TestModels.features(1, 1);
        Http.Answer answer = http.post("/v1/models/fashion:predict", TestModels.instancesJson(x, 1));

        assertEquals(200, answer.status(), answer.body());
        assertEquals("application/json", answer.contentType());
        JsonNode json = answer.json();
        assertEquals(List.of("predictions"), fieldNames(json));
        JsonNode predictions = json.get("predictions");
        assertEquals(1, predictions.size());
        assertEquals(TestModels.CLASSES, predictions.get(0).size());
        assertArrayEquals(TestModels.reference(SEED, x, 1), floats(predictions.get(0)));
        assertEquals("1", answer.version());
    }

    @Test
    void severalInstancesAnswerOneRowEach() throws Exception {
        float[] x = TestModels.features(3, 2);
        JsonNode predictions = http.post("/v1/models/fashion/versions/1:predict", TestModels.instancesJson(x, 3))
                .json()
                .get("predictions");

        float[] expected = TestModels.reference(SEED, x, 3);
        assertEquals(3, predictions.size());
        for (int r = 0; r < 3; r++) {
            float[] row = java.util.Arrays.copyOfRange(expected, r * 10, r * 10 + 10);
            assertArrayEquals(row, floats(predictions.get(r)), 1e-6f, "row " + r);
        }
    }

    @Test
    void namedInstancesAndColumnarInputsGiveTheSameProbabilities() throws Exception {
        float[] x = TestModels.features(2, 3);
        String rows = rowsJson(x, 2);
        float[] expected = TestModels.reference(SEED, x, 2);

        Http.Answer named = http.post(
                "/v1/models/fashion:predict",
                "{\"signature_name\": \"serving_default\"," + " \"instances\": [{\"input\": " + rowJson(x, 0)
                        + "}, {\"input\": " + rowJson(x, 1) + "}]}");
        Http.Answer columnar = http.post("/v1/models/fashion:predict", "{\"inputs\": {\"input\": " + rows + "}}");
        Http.Answer columnarSole = http.post("/v1/models/fashion:predict", "{\"inputs\": " + rows + "}");

        assertEquals(200, named.status(), named.body());
        assertArrayEquals(expected, floats(named.json().get("predictions")), 1e-6f);
        for (Http.Answer answer : List.of(columnar, columnarSole)) {
            assertEquals(200, answer.status(), answer.body());
            assertEquals(List.of("outputs"), fieldNames(answer.json()));
            assertArrayEquals(expected, floats(answer.json().get("outputs")), 1e-6f);
        }
    }

    @Test
    void statusIsTfServingsModelVersionStatus() throws Exception {
        String expected = "{\"model_version_status\":[{\"version\":\"1\",\"state\":\"AVAILABLE\","
                + "\"status\":{\"error_code\":\"OK\",\"error_message\":\"\"}}]}";

        assertEquals(
                Http.JSON.readTree(expected), http.get("/v1/models/fashion").json());
        assertEquals(
                Http.JSON.readTree(expected),
                http.get("/v1/models/fashion/versions/1").json());
        assertEquals(404, http.get("/v1/models/fashion/versions/7").status());
    }

    @Test
    void metadataIsTheSignatureDefAsTfServingPrintsIt() throws Exception {
        JsonNode json = http.get("/v1/models/fashion/metadata").json();

        assertEquals(
                Http.JSON.readTree("{\"name\":\"fashion\",\"signature_name\":\"\",\"version\":\"1\"}"),
                json.get("model_spec"));
        JsonNode signature = json.at("/metadata/signature_def/signature_def/serving_default");
        assertEquals("tensorflow/serving/predict", signature.get("method_name").asText());
        JsonNode input = signature.at("/inputs/input");
        assertEquals("DT_FLOAT", input.get("dtype").asText());
        assertEquals("-1", input.at("/tensor_shape/dim/0/size").asText());
        assertEquals("784", input.at("/tensor_shape/dim/1/size").asText());
        assertEquals(false, input.at("/tensor_shape/unknown_rank").asBoolean());
        assertEquals(
                "10",
                signature.at("/outputs/probabilities/tensor_shape/dim/1/size").asText());
        assertEquals(json, http.get("/v1/models/fashion/versions/1/metadata").json());
    }

    @Test
    void metricsArePrometheusText() throws Exception {
        http.post("/v1/models/fashion:predict", TestModels.instancesJson(TestModels.features(1, 4), 1));
        http.get("/v1/models/nope");

        Http.Answer metrics = http.get("/metrics");

        assertEquals(200, metrics.status());
        assertTrue(metrics.contentType().startsWith("text/plain"), metrics.contentType());
        String text = metrics.body();
        assertTrue(text.contains("distillery_serve_requests_total{api=\"rest\",method=\"predict\"}"), text);
        assertTrue(
                text.contains("distillery_serve_request_errors_total{api=\"rest\",code=\"404\",method=\"status\"}"),
                text);
        assertTrue(
                text.contains("distillery_serve_request_duration_seconds_bucket{api=\"rest\",method=\"predict\""),
                text);
        assertTrue(text.contains("distillery_serve_loaded_version{model=\"fashion\",version=\"1\"} 1"), text);
    }

    static List<String> fieldNames(JsonNode json) {
        List<String> names = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Every number in a nested JSON list, in order. */
    static float[] floats(JsonNode json) {
        List<Float> values = new java.util.ArrayList<>();
        collect(json, values);
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static void collect(JsonNode json, List<Float> values) {
        if (json.isArray()) {
            json.forEach(child -> collect(child, values));
        } else {
            values.add(json.floatValue());
        }
    }

    static String rowJson(float[] x, int row) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < TestModels.FEATURES; i++) {
            json.append(i == 0 ? "" : ",").append(x[row * TestModels.FEATURES + i]);
        }
        return json.append(']').toString();
    }

    static String rowsJson(float[] x, int rows) {
        StringBuilder json = new StringBuilder("[");
        for (int r = 0; r < rows; r++) {
            json.append(r == 0 ? "" : ",").append(rowJson(x, r));
        }
        return json.append(']').toString();
    }
}
