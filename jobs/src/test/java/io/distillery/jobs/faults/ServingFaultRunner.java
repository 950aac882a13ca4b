package io.distillery.jobs.faults;

import io.distillery.jobs.CliHarness;
import io.distillery.serve.Endpoints;
import io.distillery.serve.ModelServer;
import io.distillery.serve.ServeOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.hadoop.conf.Configuration;

/**
 * Runs the serving cases against one server: the tiny job is trained and published (version 1), then
 * served as {@code distillery serve} would with its default limits, polling often so that a planted
 * version is seen within a fraction of a second. After every case a good request must still be
 * answered, by version 1.
 */
public final class ServingFaultRunner {
    static final Duration POLL = Duration.ofMillis(250);
    static final String MODEL = "tiny";

    private ServingFaultRunner() {}

    public static List<ServingOutcome> runAll(List<ServingCase> cases, Path root) throws Exception {
        Path dir = root.resolve("serving");
        java.nio.file.Files.createDirectories(dir);
        CliHarness.Result published = CliHarness.run(
                FaultCorpus.pipeline(dir, "export.formats=savedmodel").toArray(new String[0]));
        if (published.exitCode() != 0) {
            List<ServingOutcome> out = new ArrayList<>();
            for (ServingCase c : cases) {
                out.add(new ServingOutcome(
                        c,
                        "",
                        "not run",
                        0,
                        false,
                        "no model to serve: " + FaultRunner.firstError(published),
                        Map.of()));
            }
            return out;
        }
        Path model = dir.resolve("models/" + MODEL);
        ServeOptions options = ServeOptions.of(URI.create("file://" + model))
                .withEndpoints(new Endpoints("127.0.0.1", 0, OptionalInt.empty()))
                .withPollInterval(POLL);
        List<ServingOutcome> out = new ArrayList<>();
        try (ServerLog log = new ServerLog("io.distillery.serve");
                ModelServer server = ModelServer.start(options, new Configuration())) {
            ServingClient client = new ServingClient(server.restPort());
            for (ServingCase c : cases) {
                out.add(
                        c instanceof ServingCase.BadRequest b
                                ? run(b, client)
                                : run((ServingCase.BrokenVersion) c, client, server, model, log));
            }
        }
        return out;
    }

    static ServingOutcome run(ServingCase.BadRequest c, ServingClient client) {
        String expected = "HTTP " + c.status() + ", {\"error\": \"" + c.fragment() + "\"}, server up";
        long start = System.nanoTime();
        try {
            ServingClient.Answer answer = c.request().send(client);
            ServingClient.Answer good = goodRequest(client);
            double s = seconds(start);
            String error = answer.error();
            boolean json = answer.contentType().startsWith("application/json") && error != null;
            boolean named = json && error.contains(c.fragment());
            boolean up = good.status() == 200;
            boolean inTime = s <= 2 * c.timeout().toSeconds();
            String body = named ? ", JSON error ok" : json ? ", message missing" : ", NOT a JSON error";
            String actual = "HTTP " + answer.status() + body
                    + (up ? ", server up" : ", SERVER DOWN (good request: HTTP " + good.status() + ")");
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("expected_status", c.status());
            details.put("actual_status", answer.status());
            details.put("json_error", json);
            details.put("server_up_after", up);
            details.put("timeout_seconds", c.timeout().toSeconds());
            details.put("in_time", inTime);
            return new ServingOutcome(
                    c,
                    expected,
                    actual,
                    s,
                    answer.status() == c.status() && named && up && inTime,
                    error == null ? trim(answer.body()) : error,
                    details);
        } catch (Exception e) {
            return new ServingOutcome(c, expected, "failed: " + e, seconds(start), false, String.valueOf(e), Map.of());
        }
    }

    static ServingOutcome run(
            ServingCase.BrokenVersion c, ServingClient client, ModelServer server, Path model, ServerLog log) {
        String expected = "version " + c.version() + " not loaded, version 1 answers; status or log names \""
                + c.fragment() + "\"";
        long start = System.nanoTime();
        try {
            c.plant().into(model);
            // Wait for a poll to see the version: the status API or the log then says why it is not served.
            String named = null;
            long deadline = start + 2 * c.timeout().toNanos();
            while (named == null && System.nanoTime() < deadline) {
                ServingClient.Answer status = client.get("/v1/models/" + MODEL + "/versions/" + c.version());
                named = status.status() == 200 && status.body().contains(c.fragment())
                        ? status.body()
                        : log.lineWith(c.fragment());
                if (named == null) {
                    Thread.sleep(POLL.toMillis() / 2);
                }
            }
            ServingClient.Answer good = goodRequest(client);
            double s = seconds(start);
            List<Long> serving = server.servingVersions();
            boolean notLoaded = serving.equals(List.of(1L));
            boolean up = good.status() == 200 && "1".equals(good.version());
            boolean inTime = s <= 2 * c.timeout().toSeconds();
            String actual = "serving versions " + serving + ", good request: HTTP " + good.status() + " from version "
                    + good.version() + (named == null ? ", NOT NAMED in status or log" : ", named");
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("version", c.version());
            details.put("serving_versions", serving);
            details.put("answered_by_version", good.version());
            details.put("named", named != null);
            details.put("timeout_seconds", c.timeout().toSeconds());
            details.put("in_time", inTime);
            return new ServingOutcome(
                    c,
                    expected,
                    actual,
                    s,
                    notLoaded && up && named != null && inTime,
                    named == null ? "" : trim(named),
                    details);
        } catch (Exception e) {
            return new ServingOutcome(c, expected, "failed: " + e, seconds(start), false, String.valueOf(e), Map.of());
        }
    }

    /** One row of 784 values: what every case must still get answered afterwards. */
    static ServingClient.Answer goodRequest(ServingClient client) throws Exception {
        return client.post(ServingCorpus.predict(MODEL), ServingCorpus.instances(ServingCorpus.FEATURES, "0.5"));
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static String trim(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }

    /** The server's log records (java.util.logging, where System.Logger goes) while open. */
    static final class ServerLog extends Handler implements AutoCloseable {
        private final Logger logger;
        private final Level previous;
        private final List<String> lines = new ArrayList<>();

        ServerLog(String name) {
            logger = Logger.getLogger(name);
            previous = logger.getLevel();
            logger.setLevel(Level.INFO);
            logger.addHandler(this);
        }

        @Override
        public synchronized void publish(LogRecord record) {
            lines.add(record.getMessage());
        }

        synchronized String lineWith(String fragment) {
            return lines.stream()
                    .filter(l -> l != null && l.contains(fragment))
                    .findFirst()
                    .orElse(null);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setLevel(previous);
        }
    }
}
