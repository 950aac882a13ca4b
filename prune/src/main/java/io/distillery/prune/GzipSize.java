package io.distillery.prune;

import io.distillery.core.model.Weights;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/**
 * Size of weights as a download would see it: {@link Weights#write} through a
 * {@link GZIPOutputStream} at the default level, counted without keeping the bytes.
 */
public final class GzipSize {
    private GzipSize() {}

    /** Gzip-compressed size in bytes of the binary form of {@code weights}. */
    public static long of(Weights weights) {
        CountingStream counter = new CountingStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(counter)) {
            weights.write(gzip);
        } catch (IOException e) {
            throw new UncheckedIOException("gzip of in-memory weights failed", e);
        }
        return counter.count;
    }

    private static final class CountingStream extends OutputStream {
        private long count;

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
