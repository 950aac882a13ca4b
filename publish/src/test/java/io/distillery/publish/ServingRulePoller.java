package io.distillery.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A reader that scans a model directory every 50 ms as TensorFlow Serving does: every directory named
 * by an integer is a version to load. Where rename is a copy (S3) the documented rule adds one
 * condition, that {@code manifest.json} exists. Each version it would load is checked independently of
 * the library: the manifest parses and every file it lists is there with its size and sha256. What it
 * records as a violation is a version a server would have loaded half-written.
 *
 * <p>Like a server, it loads a version once: a version that passed is checked again only when its
 * manifest changes (size or modification time), so a scan costs a listing and one status per version
 * however many versions a long test has published.
 */
final class ServingRulePoller implements AutoCloseable {

    static final long INTERVAL_MILLIS = 50;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fs;
    private final Path modelDir;
    private final boolean manifestMarksVersion;
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong scans = new AtomicLong();
    private final AtomicLong versionsChecked = new AtomicLong();
    private final AtomicLong versionsVerified = new AtomicLong();
    private final Map<String, String> loaded = new HashMap<>(); // version -> its manifest's size and time
    private final Thread thread;
    private volatile boolean stop;

    private ServingRulePoller(FileSystem fs, Path modelDir, boolean manifestMarksVersion) {
        this.fs = fs;
        this.modelDir = modelDir;
        this.manifestMarksVersion = manifestMarksVersion;
        this.thread = new Thread(this::loop, "serving-rule-poller");
        thread.setDaemon(true);
    }

    static ServingRulePoller start(FileSystem fs, Path modelDir, boolean manifestMarksVersion) {
        ServingRulePoller poller = new ServingRulePoller(fs, modelDir, manifestMarksVersion);
        poller.thread.start();
        return poller;
    }

    /** Versions a server following the rule would have loaded although incomplete. */
    List<String> violations() {
        return List.copyOf(violations);
    }

    long scans() {
        return scans.get();
    }

    /** Versions looked at, summed over scans. */
    long versionsChecked() {
        return versionsChecked.get();
    }

    /** Versions whose every file was read and hashed (a first sighting, or a changed manifest). */
    long versionsVerified() {
        return versionsVerified.get();
    }

    /** Blocks until {@code n} scans have started and finished after this call. */
    void awaitScans(int n) throws InterruptedException {
        long target = scans.get() + n + 1; // the scan running now may have listed before the change
        while (scans.get() < target) {
            if (!thread.isAlive()) {
                throw new IllegalStateException("the poller stopped: " + violations);
            }
            Thread.sleep(5);
        }
    }

    private void loop() {
        while (!stop) {
            try {
                scan();
            } catch (IOException | RuntimeException e) {
                violations.add("scan " + scans.get() + " failed: " + e);
            }
            scans.incrementAndGet();
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void scan() throws IOException {
        FileStatus[] children;
        try {
            children = fs.listStatus(modelDir);
        } catch (FileNotFoundException e) {
            return; // nothing published yet
        }
        for (FileStatus child : children) {
            String name = child.getPath().getName();
            if (!child.isDirectory() || !name.matches("[0-9]+")) {
                continue;
            }
            Path manifest = new Path(child.getPath(), "manifest.json");
            String stamp;
            try {
                FileStatus status = fs.getFileStatus(manifest);
                stamp = status.getLen() + "@" + status.getModificationTime();
            } catch (FileNotFoundException e) {
                if (manifestMarksVersion) {
                    continue;
                }
                stamp = null;
            }
            versionsChecked.incrementAndGet();
            if (stamp != null && stamp.equals(loaded.get(name))) {
                continue; // loaded before, unchanged since
            }
            String problem = problemOf(child.getPath(), manifest);
            versionsVerified.incrementAndGet();
            if (problem != null) {
                violations.add("scan " + scans.get() + ": version " + name + " " + problem);
                loaded.remove(name);
            } else if (stamp != null) {
                loaded.put(name, stamp);
            }
        }
    }

    /** Why a server would load a broken version from {@code dir}, or null when it is whole. */
    private String problemOf(Path dir, Path manifest) {
        JsonNode root;
        try {
            root = JSON.readTree(ModelRepositoryContract.readBytes(fs, manifest));
        } catch (IOException e) {
            return "has no readable manifest.json: " + e;
        }
        JsonNode files = root.get("files");
        if (files == null || !files.isArray() || files.isEmpty()) {
            return "has a manifest without files";
        }
        for (JsonNode file : files) {
            Path path = new Path(dir, file.get("path").asText());
            try {
                byte[] bytes = ModelRepositoryContract.readBytes(fs, path);
                if (bytes.length != file.get("size").asLong()
                        || !TestExports.sha256(bytes).equals(file.get("sha256").asText())) {
                    return "has " + path + " differing from its manifest entry";
                }
            } catch (IOException e) {
                return "lacks " + path + ": " + e;
            }
        }
        return null;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true; // no interrupt: it would surface as a failed scan
        thread.join(30_000);
    }
}
