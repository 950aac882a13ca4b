package io.distillery.publish;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/**
 * Size and sha256 of a byte stream, and optionally its gzip size, computed in one pass.
 *
 * @param size     bytes read
 * @param sha256   lowercase hex
 * @param gzipSize bytes of the stream gzipped at the default level, or -1 when not computed
 */
record FileDigest(long size, String sha256, long gzipSize) {

    private static final int BUFFER = 1 << 16;

    /** Reads {@code in} to its end (the caller closes it). */
    static FileDigest of(InputStream in) throws IOException {
        return read(in, false);
    }

    /** Reads {@code in} to its end (the caller closes it), also measuring its gzip size. */
    static FileDigest withGzipSize(InputStream in) throws IOException {
        return read(in, true);
    }

    /** Whether size and hash agree with a manifest entry. */
    boolean matches(ManifestFile entry) {
        return size == entry.size() && sha256.equals(entry.sha256());
    }

    String describe() {
        return "size " + size + " sha256 " + sha256;
    }

    static String describe(ManifestFile entry) {
        return "size " + entry.size() + " sha256 " + entry.sha256();
    }

    private static FileDigest read(InputStream in, boolean gzip) throws IOException {
        MessageDigest sha = newSha256();
        CountingSink sink = new CountingSink();
        byte[] buffer = new byte[BUFFER];
        long size = 0;
        try (GZIPOutputStream compressed = gzip ? new GZIPOutputStream(sink, BUFFER) : null) {
            for (int n; (n = in.read(buffer)) != -1; ) {
                sha.update(buffer, 0, n);
                size += n;
                if (compressed != null) {
                    compressed.write(buffer, 0, n);
                }
            }
        }
        return new FileDigest(size, HexFormat.of().formatHex(sha.digest()), gzip ? sink.count : -1);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    /** Counts what is written and keeps nothing. */
    private static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
