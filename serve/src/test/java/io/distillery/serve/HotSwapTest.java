package io.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.serve.batch.BatchingOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point 3: version 2 is published while clients send requests without pause; no request fails, and
 * the answers switch to version 2 within one poll interval: the first poll after the publish picks it
 * up, so the first answer from version 2 comes at most one interval plus the time that poll spent
 * loading it (which the server reports in {@code distillery_serve_version_load_seconds}) plus one
 * request's round trip after the publish. Batching is on, so the swap also crosses queued batches.
 */
class HotSwapTest {
    static final Duration POLL = Duration.ofSeconds(1);
    static final int CLIENTS = 3;
    /** Bounds every client loop, whatever happens. */
    static final int MAX_REQUESTS_PER_CLIENT = 4000;

    static final Duration MAX_TEST_TIME = Duration.ofSeconds(90);
    /** One request's round trip and the scheduler's wake-up on a loaded 2-core machine. */
    static final long SLACK_MILLIS = 500;

    @TempDir
    Path tmp;

    @Test
    void publishingVersion2UnderLoadFailsNoRequestAndSwitchesWithinAPollInterval() throws Exception {
        URI model = TestModels.modelUri(tmp.resolve("models"), "fashion");
        TestModels.publish(model, 1, tmp);
        float[] x = TestModels.features(1, 99);
        float[] v1 = TestModels.reference(1, x, 1);
        float[] v2 = TestModels.reference(2, x, 1);
        String body = TestModels.instancesJson(x, 1);

        ServeOptions options = ServeOptions.of(model)
                .withEndpoints(new Endpoints("127.0.0.1", 0, OptionalInt.empty()))
                .withPollInterval(POLL)
                .withBatching(Optional.of(new BatchingOptions(8, Duration.ofMillis(2), 2, 256)));
        try (ModelServer server = ModelServer.start(options, new Configuration())) {
            Http http = new Http(server.restPort());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong firstV2At = new AtomicLong();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            long deadline = System.nanoTime() + MAX_TEST_TIME.toNanos();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<int[]>> counts = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                counts.add(clients.submit(() -> {
                    int[] byVersion = new int[3];
                    boolean sawV2 = false;
                    for (int i = 0; i < MAX_REQUESTS_PER_CLIENT && !stop.get() && System.nanoTime() < deadline; i++) {
                        try {
                            Http.Answer answer = http.post("/v1/models/fashion:predict", body);
                            if (answer.status() != 200) {
                                failures.add(answer.status() + " " + answer.body());
                                continue;
                            }
                            int version = Integer.parseInt(answer.version());
                            float[] p = RestApiTest.floats(answer.json().get("predictions"));
                            if (version == 2) {
                                sawV2 = true;
                                firstV2At.compareAndSet(0, System.nanoTime());
                                assertArrayEquals(v2, p, 1e-6f, "version 2's probabilities");
                            } else {
                                assertEquals(1, version);
                                assertTrue(!sawV2, "version 1 answered after this client had seen version 2");
                                assertArrayEquals(v1, p, 1e-6f, "version 1's probabilities");
                            }
                            byVersion[version]++;
                        } catch (Exception | AssertionError e) {
                            failures.add(e.toString());
                        }
                    }
                    return byVersion;
                }));
            }

            waitFor(
                    "20 answers from version 1",
                    () -> server.servingVersions().equals(List.of(1L)) && answered(http) > 20,
                    deadline);
            TestModels.publish(model, 2, tmp);
            long published = System.nanoTime();
            waitFor("an answer from version 2", () -> firstV2At.get() != 0, deadline);
            long switchMillis = TimeUnit.NANOSECONDS.toMillis(firstV2At.get() - published);
            waitFor("version 1 unloaded", () -> server.servingVersions().equals(List.of(2L)), deadline);
            Thread.sleep(300); // some more requests on version 2 alone
            stop.set(true);
            clients.shutdown();
            int[] total = new int[3];
            for (Future<int[]> count : counts) {
                int[] byVersion = count.get(60, TimeUnit.SECONDS);
                total[1] += byVersion[1];
                total[2] += byVersion[2];
            }
            String metrics = http.get("/metrics").body();
            long loadMillis = Math.round(
                    1000 * gauge(metrics, "distillery_serve_version_load_seconds{model=\"fashion\",version=\"2\"}"));
            System.out.printf(
                    "hot swap: %d requests on version 1, %d on version 2, switched %d ms after publish"
                            + " (poll interval %d ms, loading version 2 took %d ms), failures %d%n",
                    total[1], total[2], switchMillis, POLL.toMillis(), loadMillis, failures.size());

            assertEquals(List.of(), List.copyOf(failures), "failed requests");
            assertTrue(total[1] > 0 && total[2] > 0, "both versions answered");
            assertTrue(loadMillis > 0, metrics);
            long bound = POLL.toMillis() + loadMillis + SLACK_MILLIS;
            assertTrue(
                    switchMillis <= bound,
                    "switched " + switchMillis + " ms after publish; one poll interval (" + POLL.toMillis()
                            + " ms) + loading (" + loadMillis + " ms) + slack (" + SLACK_MILLIS + " ms) = " + bound);
            JsonNode status = http.get("/v1/models/fashion").json().get("model_version_status");
            assertEquals("2", status.get(0).get("version").asText());
            assertEquals("AVAILABLE", status.get(0).get("state").asText());
            assertEquals("1", status.get(1).get("version").asText());
            assertEquals("END", status.get(1).get("state").asText());
            metrics = http.get("/metrics").body();
            assertTrue(metrics.contains("distillery_serve_loaded_version{model=\"fashion\",version=\"2\"} 1"), metrics);
            assertTrue(!metrics.contains("version=\"1\"} 1"), metrics);
        }
    }

    /** The value of the sample whose name and labels are {@code series}; fails when absent. */
    static double gauge(String metrics, String series) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError(series + " not in the metrics:\n" + metrics);
    }

    private static long answered(Http http) throws Exception {
        for (String line : http.get("/metrics").body().split("\n")) {
            if (line.startsWith("distillery_serve_requests_total{api=\"rest\",method=\"predict\"}")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    interface Check {
        boolean holds() throws Exception;
    }

    /** Polls {@code check} every 20 ms until it holds; fails past {@code deadline}. */
    static void waitFor(String what, Check check, long deadline) throws Exception {
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
