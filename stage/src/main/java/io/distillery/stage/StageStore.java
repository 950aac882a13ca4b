package io.distillery.stage;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A stage's directory, wherever it lives: progress, checkpoints and the stage's result. Writes must be
 * atomic (a reader never sees half a file). Serializable, because training tasks carry it to executors.
 */
public interface StageStore extends Serializable {
    String uri();

    boolean exists(String name);

    byte[] read(String name) throws IOException;

    default String readString(String name) throws IOException {
        return new String(read(name), StandardCharsets.UTF_8);
    }

    void write(String name, IoConsumer<OutputStream> writer) throws IOException;

    default void writeString(String name, String text) throws IOException {
        write(name, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** File names directly under {@code dir}, sorted; empty if it does not exist. */
    List<String> list(String dir) throws IOException;

    void delete(String name) throws IOException;

    /** The sub-directory {@code name}: a trial's parts, each with its own checkpoints and progress. */
    default StageStore child(String name) {
        return new Child(this, name);
    }

    /**
     * A local directory holding what {@code uri} holds (a teacher's SavedModel), fetched at most once per
     * process. This default reads local paths and {@code file:} URIs in place.
     */
    default java.nio.file.Path localCopy(String uri) throws IOException {
        java.nio.file.Path p =
                uri.startsWith("file:") ? java.nio.file.Path.of(java.net.URI.create(uri)) : java.nio.file.Path.of(uri);
        if (!java.nio.file.Files.isDirectory(p)) {
            throw new java.io.FileNotFoundException(uri + " is not a directory");
        }
        return p;
    }

    /** A consumer that may throw {@link IOException}. */
    @FunctionalInterface
    interface IoConsumer<T> {
        void accept(T t) throws IOException;
    }

    /** A sub-directory of any store, its names prefixed with {@code prefix/}. */
    record Child(StageStore parent, String prefix) implements StageStore {
        @Override
        public String uri() {
            return parent.uri() + "/" + prefix;
        }

        @Override
        public boolean exists(String name) {
            return parent.exists(prefix + "/" + name);
        }

        @Override
        public byte[] read(String name) throws IOException {
            return parent.read(prefix + "/" + name);
        }

        @Override
        public void write(String name, IoConsumer<OutputStream> writer) throws IOException {
            parent.write(prefix + "/" + name, writer);
        }

        @Override
        public List<String> list(String dir) throws IOException {
            return parent.list(prefix + "/" + dir);
        }

        @Override
        public void delete(String name) throws IOException {
            parent.delete(prefix + "/" + name);
        }
    }
}
