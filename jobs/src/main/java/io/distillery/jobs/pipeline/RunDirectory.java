package io.distillery.jobs.pipeline;

import io.distillery.publish.Messages;
import io.distillery.stage.StageStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run's directory on any Hadoop FileSystem: configs, stage weights, checkpoints, metrics. Files are
 * written to a temporary name and renamed, so a reader (or a resumed run) never sees half a file.
 * Serializable: tasks on executors write progress and checkpoints through it. Hadoop settings travel
 * with it as a plain map, because {@link Configuration} is not serializable.
 */
public final class RunDirectory implements StageStore {
    private final String uri;
    private final Map<String, String> hadoopConf;
    private transient FileSystem fs;

    /** Local copies of brought teachers, by URI: a process fetches each once, for every stage. */
    private static final Map<String, java.nio.file.Path> LOCAL_COPIES = new java.util.concurrent.ConcurrentHashMap<>();

    public RunDirectory(String uri, Map<String, String> hadoopConf) {
        this.uri = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
        this.hadoopConf = Map.copyOf(hadoopConf);
    }

    /** The sub-directory {@code name} with the same settings. */
    public RunDirectory child(String name) {
        return new RunDirectory(uri + "/" + name, hadoopConf);
    }

    @Override
    public String uri() {
        return uri;
    }

    public Map<String, String> hadoopConf() {
        return hadoopConf;
    }

    public Path path(String name) {
        return new Path(uri + "/" + name);
    }

    public Configuration configuration() {
        Configuration conf = new Configuration();
        hadoopConf.forEach(conf::set);
        return conf;
    }

    public synchronized FileSystem fs() throws IOException {
        if (fs == null) {
            fs = new Path(uri).getFileSystem(configuration());
        }
        return fs;
    }

    @Override
    public boolean exists(String name) {
        try {
            return fs().exists(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach " + path(name) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code name} atomically (temporary file, then rename). A storage failure names the file
     * (unreachable store, permission denied, read-only or full file system).
     */
    @Override
    public void write(String name, IoConsumer<OutputStream> writer) throws IOException {
        try {
            writeAtomically(name, writer);
        } catch (StorageException e) {
            throw e;
        } catch (IOException | FSError e) {
            throw new StorageException(
                    "cannot write " + path(name) + " in run directory " + uri + ": " + describe(e), e);
        }
    }

    private void writeAtomically(String name, IoConsumer<OutputStream> writer) throws IOException {
        Path target = path(name);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + java.util.UUID.randomUUID());
        FileSystem fs = fs();
        fs.mkdirs(target.getParent());
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            writer.accept(out);
        } catch (IOException | RuntimeException | FSError e) {
            fs.delete(tmp, false);
            throw e;
        }
        if (fs.exists(target)) {
            fs.delete(target, false);
        }
        if (!fs.rename(tmp, target)) {
            fs.delete(tmp, false);
            throw new IOException("could not rename " + tmp + " to " + target);
        }
    }

    /** A local copy of the directory {@code uri} on any Hadoop FileSystem, with this run's settings. */
    @Override
    public java.nio.file.Path localCopy(String uri) throws IOException {
        java.nio.file.Path cached = LOCAL_COPIES.get(uri);
        if (cached != null && java.nio.file.Files.isDirectory(cached)) {
            return cached;
        }
        synchronized (LOCAL_COPIES) {
            Path source = new Path(uri);
            FileSystem sourceFs = source.getFileSystem(configuration());
            if (!sourceFs.exists(source)) {
                throw new java.io.FileNotFoundException(uri + " does not exist");
            }
            if (sourceFs instanceof org.apache.hadoop.fs.LocalFileSystem local0
                    && sourceFs.getFileStatus(source).isDirectory()) {
                // Read a local directory in place: no copy of a model that is already on this disk.
                java.nio.file.Path local = local0.pathToFile(source).toPath();
                LOCAL_COPIES.put(uri, local);
                return local;
            }
            java.nio.file.Path temp = java.nio.file.Files.createTempDirectory("distillery-teacher-");
            deleteAtExit(temp);
            java.nio.file.Path target = temp.resolve("model");
            sourceFs.copyToLocalFile(false, source, new Path(target.toUri()), true);
            LOCAL_COPIES.put(uri, target);
            return target;
        }
    }

    /**
     * Deletes a temporary copy when the JVM exits (a driver, or an executor that scored with a teacher):
     * the copies are kept for the JVM's life so that every task and stage reuses one.
     */
    private static void deleteAtExit(java.nio.file.Path temp) {
        Runnable delete = () -> {
            try {
                deleteLocalTree(temp);
            } catch (IOException | RuntimeException e) {
                // Best effort at exit: a temp directory left behind is harmless.
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(delete, "distillery-delete-" + temp.getFileName()));
    }

    /** Deletes a local directory and everything in it. */
    public static void deleteLocalTree(java.nio.file.Path dir) throws IOException {
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        }
    }

    @Override
    public byte[] read(String name) throws IOException {
        try (InputStream in = fs().open(path(name))) {
            return in.readAllBytes();
        }
    }

    @Override
    public List<String> list(String dir) throws IOException {
        Path p = path(dir);
        List<String> out = new ArrayList<>();
        if (!fs().exists(p)) {
            return out;
        }
        for (FileStatus s : fs().listStatus(p)) {
            if (!s.getPath().getName().startsWith(".")) {
                out.add(s.getPath().getName());
            }
        }
        out.sort(null);
        return out;
    }

    @Override
    public void delete(String name) throws IOException {
        fs().delete(path(name), true);
    }

    /**
     * Copies a local directory tree into {@code name}: first beside it, then renamed, so that a failed
     * copy (a full disk, a lost store) leaves nothing half-written under {@code name}.
     */
    public void upload(java.nio.file.Path local, String name) throws IOException {
        Path target = path(name);
        Path tmp = path(name + ".tmp-" + java.util.UUID.randomUUID());
        FileSystem fs = fs();
        try {
            fs.copyFromLocalFile(false, true, new Path(local.toUri()), tmp);
            fs.delete(target, true);
            if (!fs.rename(tmp, target)) {
                throw new IOException("could not rename " + tmp + " to " + target);
            }
        } catch (IOException | FSError e) {
            try {
                fs.delete(tmp, true);
            } catch (IOException | FSError cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new StorageException("cannot write " + target + " in run directory " + uri + ": " + describe(e), e);
        }
    }

    /**
     * One line naming the failure's type and reason. Hadoop's local file system wraps a failed write
     * (disk full, I/O error) in an {@link FSError}: the IOException inside is the reason.
     */
    static String describe(Throwable e) {
        Throwable reason = e instanceof FSError && e.getCause() != null ? e.getCause() : e;
        String m = reason.getMessage();
        return reason.getClass().getSimpleName() + (m == null ? "" : ": " + Messages.firstLine(m));
    }

    /** A run directory could not be written; the message names the file and the store's reason. */
    public static final class StorageException extends IOException {
        private static final long serialVersionUID = 1L;

        StorageException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public String toString() {
        return uri;
    }
}
