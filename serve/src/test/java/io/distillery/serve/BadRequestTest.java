package io.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.serve.inference.RequestLimits;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.OptionalInt;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point 4: every bad request gets a 4xx with {@code {"error": "..."}} (never a stack trace or an HTML
 * page), and after each one the server still answers a good request.
 */
class BadRequestTest {
    static final long MAX_BODY = 1L << 20;

    @TempDir
    static Path tmp;

    static ModelServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        URI model = TestModels.modelUri(tmp.resolve("models"), "fashion");
        TestModels.publish(model, 5, tmp);
        server = ModelServer.start(
                ServeOptions.of(model)
                        .withEndpoints(new Endpoints("127.0.0.1", 0, OptionalInt.empty()))
                        .withLimits(new RequestLimits(MAX_BODY, 8, Duration.ofSeconds(30))),
                new Configuration());
        http = new Http(server.restPort());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @AfterEach
    void serverStillAnswers() throws Exception {
        Http.Answer good =
                http.post("/v1/models/fashion:predict", TestModels.instancesJson(TestModels.features(1, 9), 1));
        assertEquals(200, good.status(), good.body());
    }

    @Test
    void malformedJson() throws Exception {
        assertError(400, "malformed JSON", http.post("/v1/models/fashion:predict", "{\"instances\": [[0.1, 0.2"));
        assertError(400, "malformed JSON", http.post("/v1/models/fashion:predict", "not json"));
        assertError(400, "must be a JSON object", http.post("/v1/models/fashion:predict", "[1, 2]"));
        assertError(400, "missing \"instances\"", http.post("/v1/models/fashion:predict", "{}"));
        assertError(
                400, "not both", http.post("/v1/models/fashion:predict", "{\"instances\": [[1]], \"inputs\": [[1]]}"));
    }

    @Test
    void wrongShape() throws Exception {
        float[] x = TestModels.features(1, 1);
        String short783 = RestApiTest.rowJson(x, 0).replaceAll(",[^,]*\\]$", "]");
        assertError(
                400,
                "has shape [-1,784], found [1,783]",
                http.post("/v1/models/fashion:predict", "{\"instances\": [" + short783 + "]}"));
        assertError(
                400,
                "wrapped in a list",
                http.post("/v1/models/fashion:predict", "{\"instances\": " + RestApiTest.rowJson(x, 0) + "}"));
        assertError(400, "rectangular", http.post("/v1/models/fashion:predict", "{\"instances\": [[1, 2], [3]]}"));
        assertError(400, "rectangular", http.post("/v1/models/fashion:predict", "{\"instances\": [[1, 2], [3, [4]]]}"));
        assertError(
                400,
                "takes inputs [input]; missing [input]; unknown [pixels]",
                http.post("/v1/models/fashion:predict", "{\"instances\": [{\"pixels\": [1]}]}"));
        assertError(
                400,
                "at most 8 per request",
                http.post("/v1/models/fashion:predict", TestModels.instancesJson(TestModels.features(9, 1), 9)));
        assertError(
                400,
                "not found in signature def",
                http.post("/v1/models/fashion:predict", "{\"signature_name\": \"classify\", \"instances\": [[1]]}"));
    }

    @Test
    void wrongDtype() throws Exception {
        assertError(
                400,
                "found a string (DT_STRING)",
                http.post("/v1/models/fashion:predict", "{\"instances\": [[\"a\", \"b\"]]}"));
        assertError(
                400,
                "found a boolean (DT_BOOL)",
                http.post("/v1/models/fashion:predict", "{\"inputs\": {\"input\": [[true]]}}"));
        assertError(
                400,
                "found an object",
                http.post("/v1/models/fashion:predict", "{\"instances\": [[{\"b64\": \"aGk=\"}]]}"));
    }

    /**
     * A 100 MB Content-Length is refused from the headers: the client sends none of the body and still
     * gets its 413. (Sending the body with an HTTP client raced the server's close: the client could
     * see a reset before the response, "header parser received no bytes".)
     */
    @Test
    void hundredMegabyteBodyIsRefusedWithoutReadingIt() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.restPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream()
                    .write(("POST /v1/models/fashion:predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    + "Content-Type: application/json\r\nContent-Length: " + (100 << 20) + "\r\n\r\n{")
                            .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String response = readAll(socket.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 413 "), response);
            assertTrue(response.contains("over this server's limit of " + MAX_BODY + " bytes"), response);
        }
    }

    @Test
    void hundredMegabyteChunkedBodyIsCutAtTheLimit() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.restPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("POST /v1/models/fashion:predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                    + "Transfer-Encoding: chunked\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) ' ');
            byte[] header = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            try {
                for (int i = 0; i < 100; i++) {
                    out.write(header);
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            } catch (java.io.IOException e) {
                // the server answered and closed the connection before the 100 MB were sent
            }
            String response = readAll(socket.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 413 "), response);
            assertTrue(response.contains("{\"error\":\"the request body is over this server's limit"), response);
        }
    }

    @Test
    void unknownModelAndVersion() throws Exception {
        assertError(
                404,
                "Servable not found for request: Latest(other)",
                http.post("/v1/models/other:predict", "{\"instances\": [[1]]}"));
        assertError(
                404,
                "Specific(fashion, 9)",
                http.post("/v1/models/fashion/versions/9:predict", "{\"instances\": [[1]]}"));
        assertError(404, "Could not find version 9", http.get("/v1/models/fashion/versions/9"));
        assertError(400, "must be a number", http.get("/v1/models/fashion/versions/latest"));
        assertError(501, "labels are not supported", http.get("/v1/models/fashion/labels/stable"));
    }

    @Test
    void unsafeModelNames() throws Exception {
        assertTrue(rawRequest("GET /v1/models/.. HTTP/1.1").startsWith("HTTP/1.1 4"));
        for (String path : new String[] {
            "/v1/models/..:predict", "/v1/models/../etc/passwd", "/v1/models/%2e%2e/metadata",
            "/v1/models/a%2Fb", "/v1/models/-x", "/v1/models/.hidden"
        }) {
            String response = rawRequest("GET " + path + " HTTP/1.1");
            assertTrue(response.startsWith("HTTP/1.1 400 "), path + " -> " + response);
            assertTrue(response.contains("{\"error\":"), path + " -> " + response);
            assertTrue(!response.contains("Exception") && !response.contains("<html"), path + " -> " + response);
        }
    }

    @Test
    void jettysOwnRefusalsAreJsonToo() throws Exception {
        String response = rawRequest("GET /v1/models/fashion HTTP/1.1\r\nX-Big: " + "x".repeat(20_000));
        assertTrue(response.startsWith("HTTP/1.1 431 "), response);
        assertTrue(response.contains("{\"error\":\"Request Header Fields Too Large"), response);
        assertTrue(response.contains("Content-Type: application/json"), response);
    }

    @Test
    void wrongMethodAndUnknownRoutes() throws Exception {
        assertError(405, "predict takes POST, found GET", http.get("/v1/models/fashion:predict"));
        assertError(405, "status takes GET, found POST", http.post("/v1/models/fashion", "{}"));
        assertError(501, "use :predict", http.post("/v1/models/fashion:classify", "{\"examples\": []}"));
        assertError(404, "Malformed request: GET /v2/models/fashion", http.get("/v2/models/fashion"));
        assertError(404, "Malformed request", http.get("/v1/models/fashion/versions/1/extra"));
    }

    private static void assertError(int status, String fragment, Http.Answer answer) throws Exception {
        assertEquals(status, answer.status(), answer.body());
        assertEquals("application/json", answer.contentType());
        JsonNode json = answer.json();
        assertEquals(1, json.size(), answer.body());
        String error = json.get("error").asText();
        assertTrue(error.contains(fragment), "expected '" + fragment + "' in: " + error);
        assertTrue(!error.contains("Exception") && !error.contains("\tat "), error);
    }

    /** Sends {@code requestLine} exactly as written (no client-side path normalization). */
    private static String rawRequest(String requestLine) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.restPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream()
                    .write((requestLine + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            return readAll(socket.getInputStream());
        }
    }

    private static String readAll(InputStream in) throws Exception {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
