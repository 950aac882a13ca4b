package io.distillery.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.security.PrivilegedExceptionAction;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.protocol.HdfsConstants;
import org.apache.hadoop.security.UserGroupInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on a real HDFS (one NameNode, one DataNode in this JVM): staging plus rename2. */
class HdfsModelRepositoryTest extends ModelRepositoryContract {

    @TempDir
    static java.nio.file.Path clusterDir;

    private static MiniDFSCluster cluster;
    private static Configuration clusterConf;

    @BeforeAll
    static void startCluster() throws IOException {
        Configuration conf = new Configuration();
        conf.setInt("dfs.replication", 1);
        // A client closing a file polls the NameNode until the block is reported, first after 400 ms;
        // with one local DataNode the report comes in milliseconds.
        conf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 10);
        // WebHDFS makes Jersey scan the 50 MB minicluster jar at start-up; publishing never uses it.
        conf.setBoolean("dfs.webhdfs.enabled", false);
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, clusterDir.toString());
        cluster = new MiniDFSCluster.Builder(conf, clusterDir.toFile())
                .numDataNodes(1)
                .build();
        cluster.waitActive();
        clusterConf = conf;
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    @Override
    URI baseUri() {
        return URI.create(cluster.getURI() + "/");
    }

    @Override
    Configuration conf() {
        Configuration conf = new Configuration(clusterConf);
        conf.setInt("dfs.replication", 1);
        return conf;
    }

    @Override
    boolean manifestMarksVersion() {
        return false; // rename2 is atomic: TensorFlow Serving's own rule holds
    }

    @Override
    Leftover leaveKilledPublisher(FileSystem fs, Path modelPath, long version) throws IOException {
        Path staging = new Path(modelPath, "_staging-killed-run-0123456789abcdef");
        try (FSDataOutputStream out = fs.create(new Path(staging, "saved_model.pb"))) {
            out.write(new byte[1000]);
        }
        return new Leftover(staging, false);
    }

    @Test
    void aReadOnlyTargetFailsWithPermissionDeniedAndLeavesNoVersion() throws Exception {
        URI model = newModelUri();
        try (ModelRepository admin = open(model)) {
            assertEquals(1, admin.publish(export("a", 1), "run-a", Map.of()).version());
        }
        try (FileSystem fs = adminFs(model)) {
            fs.setPermission(new Path(model), new FsPermission((short) 0755));
        }
        UserGroupInformation alice = UserGroupInformation.createRemoteUser("alice");
        try (ModelRepository repo = alice.doAs((PrivilegedExceptionAction<ModelRepository>) () -> open(model))) {
            ModelRepositoryException e =
                    assertThrows(ModelRepositoryException.class, () -> repo.publish(export("b", 2), "run-b", Map.of()));
            String message = e.getMessage();
            assertTrue(message.contains("publishing run 'run-b'"), message);
            assertTrue(message.contains(model.getPath()), message);
            assertTrue(message.contains("creating staging directory"), message);
            assertTrue(message.contains("Permission denied") && message.contains("alice"), message);
            assertEquals(
                    List.of(1L),
                    repo.list().stream().map(VersionStatus::version).toList());
        }
        try (FileSystem fs = adminFs(model)) {
            assertEquals(List.of("1"), names(fs, new Path(model)));
        }
    }

    @Test
    void aFullTargetFailsClearlyAndLeavesNothingBehind() throws Exception {
        URI model = newModelUri();
        Path modelPath = new Path(model);
        try (ModelRepository repo = open(model)) {
            assertEquals(1, repo.publish(export("a", 1), "run-a", Map.of()).version());
        }
        // A space quota below one block: the directory is full for the next file written under it.
        DistributedFileSystem hdfs = cluster.getFileSystem();
        hdfs.setQuota(modelPath, HdfsConstants.QUOTA_DONT_SET, 64 * 1024);
        try (ModelRepository repo = open(model)) {
            ModelRepositoryException e =
                    assertThrows(ModelRepositoryException.class, () -> repo.publish(export("b", 2), "run-b", Map.of()));
            String message = e.getMessage();
            assertTrue(message.contains("publishing run 'run-b'"), message);
            assertTrue(message.contains(model.getPath() + "/_staging-run-b-"), message);
            assertTrue(message.contains("DSQuotaExceededException") && message.contains("quota"), message);
            assertEquals(
                    List.of(1L),
                    repo.list().stream().map(VersionStatus::version).toList());
        } finally {
            hdfs.setQuota(modelPath, HdfsConstants.QUOTA_DONT_SET, HdfsConstants.QUOTA_RESET);
        }
        try (FileSystem fs = adminFs(model)) {
            assertEquals(List.of("1"), names(fs, modelPath), "no version and no staging left behind");
        }
        try (ModelRepository repo = open(model)) {
            assertEquals(2, repo.publish(export("b", 2), "run-b", Map.of()).version(), "room again: it publishes");
        }
    }

    @Test
    void aNameNodeLostMidPublishFailsClearlyAndTheNextPublishCleansUp() throws Exception {
        Configuration quickFailing = conf();
        quickFailing.setInt("ipc.client.connect.max.retries", 0);
        quickFailing.setInt("ipc.client.connect.max.retries.on.timeouts", 0);
        storeLostMidPublish(quickFailing, () -> cluster.shutdownNameNode(0), () -> {
            cluster.restartNameNode(0, true);
            cluster.waitActive();
        });
    }

    @Test
    void anUnreachableNameNodeFailsClearly() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
        Configuration conf = conf();
        conf.setInt("ipc.client.connect.max.retries", 0);
        conf.setInt("ipc.client.connect.max.retries.on.timeouts", 0);
        URI model = URI.create("hdfs://127.0.0.1:" + closedPort + "/models/fashion");
        try (ModelRepository repo = ModelRepository.open(model, conf)) {
            ModelRepositoryException e =
                    assertThrows(ModelRepositoryException.class, () -> repo.publish(export("a", 1), "run-a", Map.of()));
            String message = e.getMessage();
            assertTrue(message.contains("publishing run 'run-a'"), message);
            assertTrue(message.contains("hdfs://127.0.0.1:" + closedPort + "/models/fashion"), message);
            assertTrue(message.contains("Connection refused"), message);
        }
    }
}
