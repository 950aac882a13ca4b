package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.jobs.data.DataLoader;
import io.distillery.publish.testing.S3ProxyServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job on S3 (s3proxy on 127.0.0.1 through S3A): Parquet training and test data on
 * {@code s3a://}, the run directory and the published versions on {@code s3a://}; {@code models list}
 * and {@code models verify} with the store's settings given on their command line or in the job
 * config. The S3 secret key is in the job config's {@code spark.conf} and must appear nowhere: not
 * in the run directory, the manifest, the command output or the logs. A read-only endpoint, an
 * unreachable endpoint and a missing bucket at publish time fail with exit code 4 and no version.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class S3PipelineTest {
    private static final String BUCKET = "distillery";
    private static final String READ_ONLY_BUCKET = "distillery-read-only";
    private static final String UNREACHABLE_BUCKET = "distillery-unreachable";
    private static final String RUN_ID = "s3-1";
    private static final String SECRET = S3ProxyServer.CREDENTIAL;

    @TempDir
    static java.nio.file.Path tmp;

    private static S3ProxyServer s3;
    private static S3ProxyServer readOnly;
    private static Map<String, String> s3a;
    private static java.nio.file.Path conf;
    private static StorageTestSupport.LogCapture logs;
    private static final List<CliHarness.Result> RESULTS = new ArrayList<>();
    private static final StorageTestSupport.SessionHadoopSettings SESSION =
            new StorageTestSupport.SessionHadoopSettings();

    @BeforeAll
    static void startS3AndUploadData() throws Exception {
        s3 = S3ProxyServer.start(tmp.resolve("s3"));
        s3.createBucket(BUCKET);
        s3.createBucket(READ_ONLY_BUCKET);
        readOnly = S3ProxyServer.start(tmp.resolve("s3-read-only"), s3.dataDir(), true);
        s3a = StorageTestSupport.programmatic(s3.s3aConfiguration(), "fs.s3a.");

        // Parquet data sets (features array + label) written locally by Spark and uploaded: 1,200
        // training and 1,000 test rows, disjoint slices of the Fashion-MNIST test images (small to read).
        java.nio.file.Path local = tmp.resolve("parquet");
        Dataset<Row> rows = DataLoader.read(CliHarness.spark(), DataLoader.BUILTIN_FASHION, "idx", "test", 1)
                .select("features", "label")
                .withColumn("i", functions.monotonically_increasing_id());
        rows.filter(functions.col("i").lt(1200))
                .drop("i")
                .coalesce(1)
                .write()
                .parquet(local.resolve("train.parquet").toString());
        rows.filter(functions.col("i").geq(1200).and(functions.col("i").lt(2200)))
                .drop("i")
                .coalesce(1)
                .write()
                .parquet(local.resolve("test.parquet").toString());
        try (FileSystem fs = FileSystem.newInstance(URI.create("s3a://" + BUCKET + "/"), s3.s3aConfiguration())) {
            for (String set : List.of("train.parquet", "test.parquet")) {
                fs.copyFromLocalFile(
                        false,
                        true,
                        new Path(local.resolve(set).toUri()),
                        new Path("s3a://" + BUCKET + "/data/" + set));
            }
        }

        // The S3A settings a session made by the job would get from spark.hadoop.* (the shared test
        // session exists already, so its Hadoop configuration gets them directly), plus one bucket on
        // a read-only endpoint and one on a port nothing listens on.
        SESSION.setAll(s3a);
        SESSION.set(
                "fs.s3a.bucket." + READ_ONLY_BUCKET + ".endpoint",
                readOnly.endpoint().toString());
        SESSION.set(
                "fs.s3a.bucket." + UNREACHABLE_BUCKET + ".endpoint",
                "http://127.0.0.1:" + StorageTestSupport.closedPort());
        SESSION.set("fs.s3a.bucket." + UNREACHABLE_BUCKET + ".attempts.maximum", "1");
        SESSION.set("fs.s3a.bucket." + UNREACHABLE_BUCKET + ".retry.limit", "1");

        Map<String, String> sparkConf = new LinkedHashMap<>();
        s3a.forEach((k, v) -> sparkConf.put("spark.hadoop." + k, v));
        sparkConf.put("spark.barrier.sync.timeout", "300");
        String b = "s3a://" + BUCKET;
        conf = tmp.resolve("s3-job.yaml");
        Files.writeString(
                conf,
                StorageTestSupport.tinyJob(
                        b + "/runs",
                        b + "/data/train.parquet",
                        b + "/data/test.parquet",
                        "auto",
                        b + "/models",
                        sparkConf));
        assertTrue(Files.readString(conf).contains(SECRET), "the job config carries the secret");
        logs = new StorageTestSupport.LogCapture();
    }

    @AfterAll
    static void stopS3() {
        if (logs != null) {
            logs.close();
        }
        SESSION.restore();
        if (readOnly != null) {
            readOnly.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static CliHarness.Result run(String... args) {
        CliHarness.Result r = CliHarness.run(args);
        RESULTS.add(r);
        return r;
    }

    @Test
    @Order(1)
    void trainsOnS3DataAndPublishesAVersionThatVerifies() throws Exception {
        CliHarness.Result pipeline = run("pipeline", "--conf", conf.toString(), "--run-id", RUN_ID);
        assertEquals(0, pipeline.exitCode(), pipeline.toString());
        assertTrue(pipeline.out().contains("published tiny version 1"), pipeline.out());

        java.nio.file.Path bucket = s3.dataDir().resolve(BUCKET);
        java.nio.file.Path v1 = bucket.resolve("models/tiny/1");
        for (String f : List.of("saved_model.pb", "variables/variables.index", "manifest.json")) {
            assertTrue(Files.isRegularFile(v1.resolve(f)), f + " in the bucket");
        }
        JsonNode manifest =
                new ObjectMapper().readTree(v1.resolve("manifest.json").toFile());
        assertEquals(RUN_ID, manifest.get("run_id").asText());
        assertEquals(1200, manifest.at("/data/train/rows").asInt());
        assertEquals(
                "s3a://" + BUCKET + "/data/train.parquet",
                manifest.at("/config/data/train").asText());
        assertEquals(
                "<redacted>",
                manifest.at("/config/spark/conf/spark.hadoop.fs.s3a.secret.key").asText(),
                "the secret's key is recorded, its value is not: " + manifest.at("/config/spark/conf"));
        assertEquals(
                s3.endpoint().toString(),
                manifest.at("/config/spark/conf/spark.hadoop.fs.s3a.endpoint").asText());
        for (String f :
                List.of("config.yaml", "data.json", "metrics.jsonl", "export/formats.json", "publish/result.json")) {
            assertTrue(
                    Files.isRegularFile(bucket.resolve("runs/" + RUN_ID + "/" + f)), "run directory on S3 holds " + f);
        }
        String configYaml = Files.readString(bucket.resolve("runs/" + RUN_ID + "/config.yaml"));
        String firstLine = configYaml.substring(0, configYaml.indexOf('\n'));
        assertTrue(
                firstLine.startsWith("# secret settings left out: ")
                        && firstLine.contains("spark.conf.spark.hadoop.fs.s3a.secret.key")
                        && firstLine.contains("spark.conf.spark.hadoop.fs.s3a.access.key"),
                configYaml);
        assertTrue(configYaml.contains("spark.hadoop.fs.s3a.endpoint"), configYaml);

        // models list with the store's settings as -D options, models verify with the job config's.
        List<String> list = new ArrayList<>(List.of("models", "list", "s3a://" + BUCKET + "/models/tiny"));
        s3a.forEach((k, v) -> list.addAll(List.of("-D", k + "=" + v)));
        CliHarness.Result listed = run(list.toArray(new String[0]));
        assertEquals(0, listed.exitCode(), listed.toString());
        assertTrue(listed.out().contains("COMPLETE") && listed.out().contains(RUN_ID), listed.out());
        CliHarness.Result verified =
                run("models", "verify", "--conf", conf.toString(), "s3a://" + BUCKET + "/models/tiny/1");
        assertEquals(0, verified.exitCode(), verified.toString());
        assertTrue(verified.out().contains("version 1: COMPLETE"), verified.out());
        // ... and with a Hadoop configuration directory (what HADOOP_CONF_DIR names).
        java.nio.file.Path hadoopConfDir = Files.createDirectories(tmp.resolve("hadoop-conf"));
        Configuration site = new Configuration(false);
        s3a.forEach(site::set);
        try (java.io.OutputStream out = Files.newOutputStream(hadoopConfDir.resolve("core-site.xml"))) {
            site.writeXml(out);
        }
        CliHarness.Result fromConfDir = run(
                "models",
                "verify",
                "--hadoop-conf-dir",
                hadoopConfDir.toString(),
                "s3a://" + BUCKET + "/models/tiny/1");
        assertEquals(0, fromConfDir.exitCode(), fromConfDir.toString());

        // A store that does not answer: models list fails clearly (exit 4), naming the path.
        list.addAll(List.of(
                "-D",
                "fs.s3a.endpoint=http://127.0.0.1:" + StorageTestSupport.closedPort(),
                "-D",
                "fs.s3a.attempts.maximum=1",
                "-D",
                "fs.s3a.retry.limit=1"));
        CliHarness.Result noSettings = run(list.toArray(new String[0]));
        assertEquals(4, noSettings.exitCode(), noSettings.toString());
        assertTrue(noSettings.err().contains("s3a://" + BUCKET + "/models/tiny"), noSettings.err());
    }

    /**
     * A teacher laid out as Keras writes it, read from S3 with the job's spark.hadoop.* credentials,
     * teaches the student what the same files teach from the local disk.
     */
    @Test
    @Order(2)
    void distillsFromAKerasSavedModelOnS3AsFromTheSameModelOnLocalDisk() throws Exception {
        java.nio.file.Path local = tmp.resolve("keras-teacher");
        StorageTestSupport.centroidTeacher(local, 1500);
        try (FileSystem fs = FileSystem.newInstance(URI.create("s3a://" + BUCKET + "/"), s3.s3aConfiguration())) {
            fs.copyFromLocalFile(false, true, new Path(local.toUri()), new Path("s3a://" + BUCKET + "/teachers/keras"));
        }
        double fromS3 = distilledAccuracy("s3-teacher", "s3a://" + BUCKET + "/teachers/keras");
        double fromLocal = distilledAccuracy("local-teacher", local.toUri().toString());
        assertTrue(Math.abs(fromS3 - fromLocal) <= 0.005, fromS3 + " from S3, " + fromLocal + " from disk");
        JsonNode teachers = new ObjectMapper()
                .readTree(s3.dataDir()
                        .resolve(BUCKET + "/runs/s3-teacher/teacher/teachers.json")
                        .toFile());
        assertEquals("probabilities", teachers.at("/teachers/0/output").asText());
        assertEquals(
                "s3a://" + BUCKET + "/teachers/keras",
                teachers.at("/teachers/0/uri").asText());
    }

    private static double distilledAccuracy(String runId, String teacher) throws Exception {
        for (String command : List.of("teacher", "distill")) {
            CliHarness.Result r = run(
                    command,
                    "--conf",
                    conf.toString(),
                    "--run-id",
                    runId,
                    "--set",
                    "teacher.saved_model.uris=" + teacher);
            assertEquals(0, r.exitCode(), r.toString());
        }
        return new ObjectMapper()
                .readTree(s3.dataDir()
                        .resolve(BUCKET + "/runs/" + runId + "/student/result.json")
                        .toFile())
                .get("test_accuracy")
                .asDouble();
    }

    @Test
    @Order(3)
    void aReadOnlyEndpointFailsThePublishWithExitCode4AndNoVersion() throws Exception {
        String target = "s3a://" + READ_ONLY_BUCKET + "/models";
        CliHarness.Result r =
                run("publish", "--conf", conf.toString(), "--run-id", RUN_ID, "--set", "publish.base_path=" + target);
        System.out.println("publish to a read-only S3 endpoint: " + r.err());
        assertEquals(4, r.exitCode(), r.toString());
        assertTrue(r.err().contains(target + "/tiny"), "names the model URI: " + r.err());
        assertFalse(r.err().contains("\tat "), "one clear message, no stack trace: " + r.err());
        java.nio.file.Path model = s3.dataDir().resolve(READ_ONLY_BUCKET).resolve("models/tiny");
        assertFalse(Files.exists(model.resolve("1")), "no version");
    }

    @Test
    @Order(4)
    void anUnreachableEndpointOrAMissingBucketFailsThePublishWithExitCode4() throws Exception {
        for (String target : List.of("s3a://" + UNREACHABLE_BUCKET + "/models", "s3a://no-such-bucket-5e1/models")) {
            CliHarness.Result r = run(
                    "publish", "--conf", conf.toString(), "--run-id", RUN_ID, "--set", "publish.base_path=" + target);
            System.out.println("publish to " + target + ": " + r.err());
            assertEquals(4, r.exitCode(), r.toString());
            assertTrue(r.err().contains(target + "/tiny"), "names the model URI: " + r.err());
        }
        assertFalse(Files.exists(s3.dataDir().resolve("no-such-bucket-5e1")), "S3A never creates buckets");
    }

    @Test
    @Order(5)
    void theSecretAppearsNowhere() throws Exception {
        assertFalse(RESULTS.isEmpty());
        for (CliHarness.Result r : RESULTS) {
            assertFalse(r.out().contains(SECRET), "stdout: " + r.out());
            assertFalse(r.err().contains(SECRET), "stderr: " + r.err());
        }
        // Everything written to S3 (run directory, failure records, report, versions, manifests).
        List<java.nio.file.Path> written;
        try (Stream<java.nio.file.Path> files = Files.walk(s3.dataDir())) {
            written = files.filter(Files::isRegularFile).toList();
        }
        assertTrue(written.size() > 20, "files written: " + written);
        assertTrue(
                written.stream().anyMatch(p -> p.toString().endsWith("failure.json")), "failures recorded: " + written);
        for (java.nio.file.Path f : written) {
            String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertFalse(text.contains(SECRET), "the secret is in " + f);
        }
        String logText = logs.text();
        assertTrue(logText.contains("INFO"), "logs captured");
        assertFalse(logText.contains(SECRET), "the secret is in the logs");
        // Spark masks these keys in its UI, event log and error messages.
        java.util.regex.Pattern redaction =
                java.util.regex.Pattern.compile(io.distillery.jobs.spark.Sparks.REDACTION_REGEX);
        for (String key : List.of(
                "spark.hadoop.fs.s3a.secret.key",
                "spark.hadoop.fs.s3a.access.key",
                "spark.hadoop.fs.s3a.session.token")) {
            assertTrue(redaction.matcher(key).find(), key);
        }
    }
}
