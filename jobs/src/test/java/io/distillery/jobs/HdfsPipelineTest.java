package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.SafeModeAction;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job on a real HDFS (a MiniDFSCluster in this JVM): the Fashion-MNIST IDX files on HDFS,
 * read by the executors; the run directory and the published versions on HDFS; {@code models list}
 * and {@code models verify} on what was published; a read-only (safe mode) and an unreachable
 * NameNode at publish time fail with exit code 4 and no version.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HdfsPipelineTest {
    private static final String FASHION = io.distillery.jobs.data.DataLoader.FASHION_DIR;
    private static final String RUN_ID = "hdfs-1";

    @TempDir
    static java.nio.file.Path tmp;

    private static MiniDFSCluster cluster;
    private static String hdfs;
    private static java.nio.file.Path conf;
    private static final StorageTestSupport.SessionHadoopSettings SESSION =
            new StorageTestSupport.SessionHadoopSettings();

    private static final StorageTestSupport.QuietLogs QUIET = new StorageTestSupport.QuietLogs();

    @BeforeAll
    static void startHdfs() throws Exception {
        QUIET.quiet("org.apache.hadoop", "BlockStateChange", "org.apache.spark");
        Configuration c = new Configuration();
        c.setInt("dfs.replication", 1);
        c.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 10);
        c.setBoolean("dfs.webhdfs.enabled", false);
        java.nio.file.Path base = tmp.resolve("dfs");
        c.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
        cluster = new MiniDFSCluster.Builder(c, base.toFile()).numDataNodes(1).build();
        cluster.waitActive();
        hdfs = cluster.getURI().toString();
        FileSystem fs = cluster.getFileSystem();
        // Fashion-MNIST in its own IDX format on HDFS: the first 1,500 training and 1,000 test images.
        for (String f : List.of(
                "train-images-idx3-ubyte.gz",
                "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz",
                "t10k-labels-idx1-ubyte.gz")) {
            try (java.io.OutputStream out = fs.create(new Path("/data/fashion/" + f))) {
                StorageTestSupport.idxSlice(
                        java.nio.file.Path.of(FASHION, f), f.startsWith("train") ? 1500 : 1000, out);
            }
        }
        // What spark.hadoop.* (or hdfs-site.xml) would give a session the job creates itself.
        SESSION.setAll(Map.of(
                "dfs.replication", "1",
                "dfs.client.block.write.locateFollowingBlock.initial.delay.ms", "10",
                "ipc.client.connect.max.retries", "0",
                "ipc.client.connect.max.retries.on.timeouts", "0"));
        conf = tmp.resolve("hdfs-job.yaml");
        Files.writeString(
                conf,
                StorageTestSupport.tinyJob(
                        hdfs + "/runs",
                        hdfs + "/data/fashion",
                        hdfs + "/data/fashion",
                        "idx",
                        hdfs + "/models",
                        Map.of()));
    }

    @AfterAll
    static void stopHdfs() {
        SESSION.restore();
        if (cluster != null) {
            cluster.shutdown();
        }
        QUIET.restore();
    }

    @Test
    @Order(1)
    void trainsOnHdfsDataAndPublishesAVersionThatVerifies() throws Exception {
        CliHarness.Result run = CliHarness.run("pipeline", "--conf", conf.toString(), "--run-id", RUN_ID);
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("published tiny version 1"), run.out());

        FileSystem fs = cluster.getFileSystem();
        assertEquals(List.of("1"), names(fs, new Path("/models/tiny")), "one version, no staging left");
        for (String f : List.of("saved_model.pb", "variables/variables.index", "manifest.json")) {
            assertTrue(fs.isFile(new Path("/models/tiny/1/" + f)), f);
        }
        JsonNode manifest;
        try (InputStream in = fs.open(new Path("/models/tiny/1/manifest.json"))) {
            manifest = new ObjectMapper().readTree(in);
        }
        assertEquals(RUN_ID, manifest.get("run_id").asText());
        assertEquals(1200, manifest.at("/data/train/rows").asInt());
        assertEquals(hdfs + "/data/fashion", manifest.at("/config/data/train").asText());
        assertEquals("2h", manifest.at("/config/publish/stale_age").asText());
        for (String f :
                List.of("config.yaml", "data.json", "metrics.jsonl", "export/formats.json", "publish/result.json")) {
            assertTrue(fs.isFile(new Path("/runs/" + RUN_ID + "/" + f)), "run directory on HDFS holds " + f);
        }

        CliHarness.Result list = CliHarness.run("models", "list", hdfs + "/models/tiny");
        assertEquals(0, list.exitCode(), list.toString());
        assertTrue(list.out().contains("COMPLETE") && list.out().contains(RUN_ID), list.out());
        CliHarness.Result verify = CliHarness.run("models", "verify", hdfs + "/models/tiny/1");
        assertEquals(0, verify.exitCode(), verify.toString());
        assertTrue(verify.out().contains("version 1: COMPLETE"), verify.out());
    }

    /**
     * A teacher laid out as Keras writes it, read from HDFS, teaches the student what the same files
     * teach from the local disk: the driver's checks and the executors' scoring fetch it with the run's
     * Hadoop settings.
     */
    @Test
    @Order(2)
    void distillsFromAKerasSavedModelOnHdfsAsFromTheSameModelOnLocalDisk() throws Exception {
        java.nio.file.Path local = tmp.resolve("keras-teacher");
        StorageTestSupport.centroidTeacher(local, 1500);
        FileSystem fs = cluster.getFileSystem();
        fs.copyFromLocalFile(new Path(local.toUri()), new Path("/teachers/keras"));
        double fromHdfs = distilledAccuracy("hdfs-teacher", hdfs + "/teachers/keras");
        double fromLocal = distilledAccuracy("local-teacher", local.toUri().toString());
        assertTrue(Math.abs(fromHdfs - fromLocal) <= 0.005, fromHdfs + " from HDFS, " + fromLocal + " from disk");
        try (InputStream in = fs.open(new Path("/runs/hdfs-teacher/teacher/teachers.json"))) {
            JsonNode t = new ObjectMapper().readTree(in).at("/teachers/0");
            assertEquals("probabilities", t.get("output").asText());
            assertEquals("conv2d_input", t.get("input_key").asText());
            assertTrue(t.get("test_accuracy").asDouble() > 0.5, "the centroid teacher: " + t);
        }
    }

    private static double distilledAccuracy(String runId, String teacher) throws Exception {
        for (String command : List.of("teacher", "distill")) {
            CliHarness.Result r = CliHarness.run(
                    command,
                    "--conf",
                    conf.toString(),
                    "--run-id",
                    runId,
                    "--set",
                    "teacher.saved_model.uris=" + teacher);
            assertEquals(0, r.exitCode(), r.toString());
        }
        try (InputStream in = cluster.getFileSystem().open(new Path("/runs/" + runId + "/student/result.json"))) {
            return new ObjectMapper().readTree(in).get("test_accuracy").asDouble();
        }
    }

    @Test
    @Order(3)
    void aReadOnlyNameNodeFailsThePublishWithExitCode4AndNoVersion() throws Exception {
        DistributedFileSystem fs = cluster.getFileSystem();
        String target = hdfs + "/models-read-only";
        fs.setSafeMode(SafeModeAction.ENTER);
        CliHarness.Result r;
        try {
            r = CliHarness.run(
                    "publish", "--conf", conf.toString(), "--run-id", RUN_ID, "--set", "publish.base_path=" + target);
        } finally {
            fs.setSafeMode(SafeModeAction.LEAVE);
        }
        System.out.println("publish to a NameNode in safe mode: " + r.err());
        assertEquals(4, r.exitCode(), r.toString());
        assertTrue(r.err().contains(target + "/tiny"), "names the model URI: " + r.err());
        assertTrue(r.err().toLowerCase().contains("safe mode"), "says why: " + r.err());
        assertFalse(r.err().contains("\tat "), "one clear message, no stack trace: " + r.err());
        assertEquals(List.of(), names(fs, new Path("/models-read-only/tiny")), "no version");
    }

    @Test
    @Order(4)
    void anUnreachableNameNodeFailsThePublishWithExitCode4() throws Exception {
        String target = "hdfs://127.0.0.1:" + StorageTestSupport.closedPort() + "/models";
        CliHarness.Result r = CliHarness.run(
                "publish", "--conf", conf.toString(), "--run-id", RUN_ID, "--set", "publish.base_path=" + target);
        System.out.println("publish to an unreachable NameNode: " + r.err());
        assertEquals(4, r.exitCode(), r.toString());
        assertTrue(r.err().contains(target + "/tiny"), "names the model URI: " + r.err());
        assertTrue(r.err().contains("Connection refused"), "says why: " + r.err());
        // The run's own version is untouched, and `models` on the dead store fails the same way.
        assertEquals(List.of("1"), names(cluster.getFileSystem(), new Path("/models/tiny")));
        CliHarness.Result list = CliHarness.run(
                "models",
                "list",
                target + "/tiny",
                "-D",
                "ipc.client.connect.max.retries=0",
                "-D",
                "ipc.client.connect.max.retries.on.timeouts=0");
        assertEquals(4, list.exitCode(), list.toString());
        assertTrue(list.err().contains(target + "/tiny"), list.err());
    }

    private static List<String> names(FileSystem fs, Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        for (FileStatus s : fs.listStatus(dir)) {
            out.add(s.getPath().getName());
        }
        out.sort(null);
        return out;
    }
}
