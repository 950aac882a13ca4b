package io.distillery.jobs.faults;

import io.distillery.publish.ModelRepository;
import io.distillery.serve.inference.RequestLimits;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;

/**
 * The serving faults: the bad requests of the serving issue against {@code distillery serve}'s
 * defaults (32 MiB bodies), and broken versions beside a good one.
 */
public final class ServingCorpus {
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    static final Duration BODY_100MB_TIMEOUT = Duration.ofSeconds(30);
    static final int FEATURES = 784;

    private ServingCorpus() {}

    public static List<ServingCase> all() {
        return List.of(
                bad(
                        "malformed-json",
                        400,
                        "malformed JSON",
                        c -> c.post(predict("tiny"), "{\"instances\": [[0.1, 0.2")),
                bad(
                        "wrong-shape",
                        400,
                        "has shape [-1,784], found [1,783]",
                        c -> c.post(predict("tiny"), instances(FEATURES - 1, "0.5"))),
                bad(
                        "wrong-dtype",
                        400,
                        "found a string (DT_STRING)",
                        c -> c.post(predict("tiny"), instances(FEATURES, "\"a\""))),
                new ServingCase.BadRequest(
                        "body-100mb",
                        413,
                        "over this server's limit of " + RequestLimits.DEFAULT_MAX_BODY_BYTES + " bytes",
                        BODY_100MB_TIMEOUT,
                        // A client that declares a 100 MB body gets its 413 from the headers, before it sends them.
                        c -> c.postDeclaring(predict("tiny"), 100L << 20, "{\"instances\": [[")),
                bad(
                        "unknown-model",
                        404,
                        "Servable not found for request: Latest(other)",
                        c -> c.post(predict("other"), instances(FEATURES, "0.5"))),
                bad("dotdot-model-name", 400, "invalid model name", c -> c.raw("POST", "/v1/models/..:predict")),
                bad("dotdot-path", 400, "invalid model name", c -> c.raw("GET", "/v1/models/../etc/passwd")),
                // Published complete, then damaged: the size no longer matches the manifest.
                new ServingCase.BrokenVersion(
                        "truncated-savedmodel", 2, "saved_model.pb: expected size", REQUEST_TIMEOUT, model -> {
                            publishCopyOfVersion1(model, "second");
                            truncate(model.resolve("2/saved_model.pb"));
                        }),
                // An interrupted copy: version 1's files, saved_model.pb cut short, no manifest.
                new ServingCase.BrokenVersion(
                        "truncated-savedmodel-no-manifest",
                        3,
                        "version 3 is INCOMPLETE (manifest.json: expected present",
                        REQUEST_TIMEOUT,
                        model -> {
                            copyTree(model.resolve("1"), model.resolve("3"));
                            Files.delete(model.resolve("3/manifest.json"));
                            truncate(model.resolve("3/saved_model.pb"));
                        }));
    }

    private static ServingCase.BadRequest bad(String name, int status, String fragment, ServingCase.Request r) {
        return new ServingCase.BadRequest(name, status, fragment, REQUEST_TIMEOUT, r);
    }

    static String predict(String model) {
        return "/v1/models/" + model + ":predict";
    }

    /** {@code {"instances": [[v, v, ...]]}}: one row of {@code width} copies of {@code value}. */
    static String instances(int width, String value) {
        return "{\"instances\": [[" + String.join(", ", java.util.Collections.nCopies(width, value)) + "]]}";
    }

    static void truncate(Path file) throws Exception {
        byte[] b = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(b, b.length / 2));
    }

    /** Publishes version 1's files again as the next version (a real, complete publish). */
    static void publishCopyOfVersion1(Path model, String runId) throws Exception {
        Path export = Files.createTempDirectory("fault-export-");
        try {
            copyTree(model.resolve("1"), export);
            Files.delete(export.resolve("manifest.json"));
            try (ModelRepository repo =
                    ModelRepository.open(URI.create("file://" + model.toAbsolutePath()), new Configuration())) {
                repo.publish(export, runId, Map.of("note", "fault suite: a copy of version 1"));
            }
        } finally {
            deleteTree(export);
        }
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
