package io.distillery.publish;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/** Small exports shaped like a SavedModel plus TFLite and TF.js files, and independent digests of them. */
final class TestExports {

    static final String SAVED_MODEL = "saved_model.pb";
    static final String VARIABLES_DATA = "variables/variables.data-00000-of-00001";
    static final String VARIABLES_INDEX = "variables/variables.index";
    static final String LABELS = "assets/labels.txt";
    static final String TFLITE = "model.tflite";
    static final String TFJS_SHARD = "tfjs/group1-shard1of1.bin";

    private TestExports() {}

    /** Writes an export whose bytes depend on {@code seed}; returns {@code dir}. */
    static Path write(Path dir, long seed) {
        Random random = new Random(seed);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(SAVED_MODEL, bytes(random, 3_000 + random.nextInt(500)));
        files.put(VARIABLES_DATA, bytes(random, 40_000));
        files.put(VARIABLES_INDEX, bytes(random, 211));
        files.put(
                LABELS,
                "T-shirt/top\nTrouser\nPullover\nDress\nCoat\nSandal\nShirt\nSneaker\nBag\nAnkle boot\n"
                        .repeat(40)
                        .concat("seed " + seed + "\n")
                        .getBytes(StandardCharsets.UTF_8));
        files.put(TFLITE, bytes(random, 5_000));
        files.put(TFJS_SHARD, new byte[8_192]); // zeros: compresses to almost nothing
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path path = dir.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.write(path, file.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write test export under " + dir, e);
        }
        return dir;
    }

    /** Relative path to bytes of every file under {@code dir}, read with plain NIO. */
    static Map<String, byte[]> read(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                files.put(dir.relativize(path).toString().replace('\\', '/'), Files.readAllBytes(path));
            }
        }
        return files;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static long gzipSize(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.size();
    }

    static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    private static byte[] bytes(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }
}
