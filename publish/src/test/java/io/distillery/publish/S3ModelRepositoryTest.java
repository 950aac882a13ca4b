package io.distillery.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.publish.testing.S3ProxyServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on S3 (s3proxy in its own process, through S3A): files in place, manifest last. */
class S3ModelRepositoryTest extends ModelRepositoryContract {

    private static final String BUCKET = "distillery-models";

    @TempDir
    static java.nio.file.Path s3Dir;

    private static S3ProxyServer s3;

    @BeforeAll
    static void startS3() throws IOException {
        s3 = S3ProxyServer.start(s3Dir);
        s3.createBucket(BUCKET);
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    @Override
    URI baseUri() {
        return URI.create("s3a://" + BUCKET + "/");
    }

    @Override
    Configuration conf() {
        return s3.s3aConfiguration();
    }

    @Override
    boolean manifestMarksVersion() {
        return true; // files appear one by one; the manifest, written last, marks a version
    }

    @Override
    Leftover leaveKilledPublisher(FileSystem fs, Path modelPath, long version) throws IOException {
        Path dir = new Path(modelPath, Long.toString(version));
        for (String file : List.of(TestExports.SAVED_MODEL, TestExports.VARIABLES_INDEX)) {
            try (FSDataOutputStream out = fs.create(new Path(dir, file))) {
                out.write(new byte[500]);
            }
        }
        return new Leftover(dir, true);
    }

    @Test
    void aServerLostMidPublishFailsClearlyAndTheNextPublishCleansUp() throws Exception {
        java.nio.file.Path data = s3.dataDir();
        storeLostMidPublish(
                s3.s3aConfiguration(),
                () -> s3.close(),
                () -> s3 = S3ProxyServer.start(s3Dir.resolve("restarted"), data, false));
    }

    @Test
    @org.junit.jupiter.api.Timeout(120) // waiting for the stale age would take an hour
    void aRerunAfterItsPublisherDiedOnThisHostTakesOverWithoutWaitingForTheStaleAge() throws Exception {
        URI model = newModelUri();
        java.nio.file.Path export = export("died", 3);
        // Killed after its claim and two files: an incomplete version of the same run, minutes from stale.
        StoppablePublisher.Outcome killed = StoppablePublisher.run(conf(), tmp, model, export, "run-died", 3, c -> {});
        assertTrue(killed.killed(), killed.toString());
        try (ModelRepository repo = ModelRepository.open(
                model, conf(), PublishOptions.defaults().withStaleAge(java.time.Duration.ofHours(1)))) {
            PublishResult result = repo.publish(export, "run-died", fields(0.8));
            assertFalse(result.reused(), result.toString());
            assertEquals(1, result.removedLeftovers().size(), "the dead publisher's version is removed: " + result);
            assertTrue(repo.verify(result.version()).isComplete());
        }
    }

    @Test
    void aReadOnlyEndpointFailsClearlyLeavesNoVersionAndLeaksNoSecret() throws Exception {
        URI model = newModelUri();
        try (ModelRepository repo = open(model)) {
            assertEquals(1, repo.publish(export("a", 1), "run-a", Map.of()).version());
        }
        try (S3ProxyServer readOnly = S3ProxyServer.start(s3Dir.resolve("read-only"), s3.dataDir(), true)) {
            try (ModelRepository repo = ModelRepository.open(model, readOnly.s3aConfiguration())) {
                assertEquals(
                        List.of(1L),
                        repo.list().stream().map(VersionStatus::version).toList(),
                        "the read-only server sees the same bucket");
                ModelRepositoryException e = assertThrows(
                        ModelRepositoryException.class, () -> repo.publish(export("b", 2), "run-b", Map.of()));
                String message = e.getMessage();
                assertTrue(message.contains("publishing run 'run-b'"), message);
                assertTrue(message.contains("s3a://" + BUCKET + model.getPath()), message);
                assertTrue(message.contains("(S3 endpoint " + readOnly.endpoint() + ")"), message);
                assertTrue(message.contains("claiming"), message);
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                assertFalse(trace.toString().contains(S3ProxyServer.CREDENTIAL), trace.toString());
            }
        }
        try (ModelRepository repo = open(model);
                FileSystem fs = adminFs(model)) {
            assertEquals(
                    List.of(1L),
                    repo.list().stream().map(VersionStatus::version).toList());
            assertEquals(List.of("1"), names(fs, new Path(model)));
        }
    }

    @Test
    void aMissingBucketFailsClearly() throws Exception {
        URI model = URI.create("s3a://no-such-bucket-7a1/models/fashion");
        try (ModelRepository repo = open(model)) {
            ModelRepositoryException e =
                    assertThrows(ModelRepositoryException.class, () -> repo.publish(export("a", 1), "run-a", Map.of()));
            String message = e.getMessage();
            assertTrue(message.contains("publishing run 'run-a'"), message);
            assertTrue(message.contains("s3a://no-such-bucket-7a1/models/fashion"), message);
            assertFalse(message.contains(S3ProxyServer.CREDENTIAL), message);
        }
    }

    @Test
    void credentialsInTheUriAreRefusedWithoutEchoingThem() {
        URI model = URI.create("s3a://AKIDEXAMPLE:hunter2-secret@" + BUCKET + "/models/fashion");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> open(model));
        assertTrue(e.getMessage().contains("s3a://" + BUCKET + "/models/fashion"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertFalse(e.getMessage().contains("AKIDEXAMPLE"), e.getMessage());
    }
}
