package io.distillery.jobs.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** HTTP/1.1 to the server under test on 127.0.0.1. */
final class ServingClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final int port;

    ServingClient(int port) {
        this.port = port;
    }

    /** Status, content type, body, and the version that answered (header {@code X-Model-Version}). */
    record Answer(int status, String contentType, String body, String version) {
        /** The message of a body that is exactly {@code {"error": "..."}}, else null. */
        String error() {
            try {
                JsonNode json = JSON.readTree(body);
                return json != null && json.size() == 1 && json.has("error")
                        ? json.get("error").asText()
                        : null;
            } catch (IOException e) {
                return null;
            }
        }
    }

    Answer get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    Answer post(String path, String body) throws IOException, InterruptedException {
        return post(path, body.getBytes(StandardCharsets.UTF_8));
    }

    Answer post(String path, byte[] body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /**
     * Declares a {@code declaredBytes} JSON body in the headers and sends only {@code firstBytes} of it:
     * a server that refuses from the headers answers before the body matters. (Streaming the whole body
     * races the server's close after its 413: the client can see a reset before the response, "header
     * parser received no bytes". JDK 17's HttpClient with {@code Expect: 100-continue} waits forever
     * on a final status instead of a 100.)
     */
    Answer postDeclaring(String path, long declaredBytes, String firstBytes) throws IOException {
        return exchange("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + declaredBytes + "\r\nConnection: close\r\n\r\n" + firstBytes);
    }

    /**
     * Sends {@code method path} exactly as written, with no client-side normalization of the path (an
     * HTTP client may resolve {@code ..} before sending). Only status and body are read back.
     */
    Answer raw(String method, String path) throws IOException {
        return exchange(
                method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }

    /** Writes {@code request} as it is and reads the whole response: status, content type and body. */
    private Answer exchange(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            int bodyStart = response.indexOf("\r\n\r\n");
            String head = response.substring(0, bodyStart);
            String type = head.lines()
                    .filter(l -> l.regionMatches(true, 0, "Content-Type:", 0, 13))
                    .map(l -> l.substring(13).strip())
                    .findFirst()
                    .orElse("");
            return new Answer(status, type, response.substring(bodyStart + 4), null);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private Answer send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                request.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Answer(
                response.statusCode(),
                response.headers().firstValue("Content-Type").orElse(""),
                response.body(),
                response.headers().firstValue("X-Model-Version").orElse(null));
    }
}
