package io.distillery.core.model;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * All variables of a model by name, in graph order. The one currency between stages: a trained teacher,
 * a checkpoint, the student a pruner fine-tunes and the weights an exporter writes are all
 * {@code Weights}. Immutable; serializable so that Spark can ship it between driver and tasks.
 *
 * <p>The binary form ({@link #write}, {@link #read}) is a small self-describing format: magic
 * {@code DSTW}, version, count, then for each array its name, rank, dims and little-endian floats.
 */
public final class Weights implements Serializable {
    private static final int MAGIC = 0x44535457; // "DSTW"
    private static final int VERSION = 1;

    private final LinkedHashMap<String, NamedArray> arrays;

    public Weights(Collection<NamedArray> arrays) {
        LinkedHashMap<String, NamedArray> map = new LinkedHashMap<>();
        for (NamedArray a : arrays) {
            if (map.put(a.name(), a) != null) {
                throw new IllegalArgumentException("duplicate weight name " + a.name());
            }
        }
        this.arrays = map;
    }

    public Map<String, NamedArray> asMap() {
        return java.util.Collections.unmodifiableMap(arrays);
    }

    public NamedArray get(String name) {
        NamedArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no weight named " + name + "; have " + arrays.keySet());
        }
        return a;
    }

    public boolean contains(String name) {
        return arrays.containsKey(name);
    }

    /** A copy with one array replaced (same name, same shape). */
    public Weights with(NamedArray replacement) {
        NamedArray old = get(replacement.name());
        if (!java.util.Arrays.equals(old.shape(), replacement.shape())) {
            throw new IllegalArgumentException(
                    replacement.name() + ": shape " + java.util.Arrays.toString(replacement.shape()) + " differs from "
                            + java.util.Arrays.toString(old.shape()));
        }
        LinkedHashMap<String, NamedArray> copy = new LinkedHashMap<>(arrays);
        copy.put(replacement.name(), replacement);
        return new Weights(copy.values());
    }

    /** Total number of values. */
    public long size() {
        return arrays.values().stream().mapToLong(a -> a.values().length).sum();
    }

    /** Total number of non-zero values. */
    public long nonZeros() {
        return arrays.values().stream()
                .mapToLong(a -> a.values().length - a.zeros())
                .sum();
    }

    public void write(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(MAGIC);
        data.writeInt(VERSION);
        data.writeInt(arrays.size());
        for (NamedArray a : arrays.values()) {
            data.writeUTF(a.name());
            long[] shape = a.shape();
            data.writeInt(shape.length);
            for (long d : shape) {
                data.writeLong(d);
            }
            ByteBuffer bytes = ByteBuffer.allocate(a.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(a.values());
            data.write(bytes.array());
        }
        data.flush();
    }

    /** SHA-256 of the binary form: names, shapes and every float's bits. Pins a stage's inputs. */
    public String sha256() {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            try (OutputStream out = new java.security.DigestOutputStream(OutputStream.nullOutputStream(), sha)) {
                write(out);
            }
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Reads the binary form.
     *
     * @throws IOException if the stream is not a weights file or is truncated
     */
    public static Weights read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int magic = data.readInt();
        if (magic != MAGIC) {
            throw new IOException("not a Distillery weights file (bad magic 0x" + Integer.toHexString(magic) + ")");
        }
        int version = data.readInt();
        if (version != VERSION) {
            throw new IOException("unsupported weights file version " + version);
        }
        int count = data.readInt();
        java.util.List<NamedArray> out = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = data.readUTF();
            int rank = data.readInt();
            long[] shape = new long[rank];
            long n = 1;
            for (int r = 0; r < rank; r++) {
                shape[r] = data.readLong();
                n *= shape[r];
            }
            if (n < 0 || n > Integer.MAX_VALUE / 4) {
                throw new IOException("weights file: implausible size for " + name);
            }
            byte[] raw = new byte[(int) n * 4];
            data.readFully(raw);
            float[] values = new float[(int) n];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            out.add(new NamedArray(name, shape, values));
        }
        return new Weights(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Weights w && arrays.equals(w.arrays);
    }

    @Override
    public int hashCode() {
        return arrays.hashCode();
    }

    @Override
    public String toString() {
        return "Weights" + arrays.values();
    }
}
