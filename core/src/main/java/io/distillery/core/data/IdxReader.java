package io.distillery.core.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format of (Fashion-)MNIST: big-endian magic {@code 0x00000803} (images, unsigned
 * bytes, rank 3) or {@code 0x00000801} (labels, rank 1), then the dimensions, then the data. Gzip is
 * detected from the stream's first two bytes. Pixels are scaled to [0, 1].
 */
public final class IdxReader {
    private IdxReader() {}

    /** Images of one IDX file: {@code count × rows × cols} floats in [0, 1]. */
    public record Images(int count, int rows, int cols, float[] pixels) {
        public int width() {
            return rows * cols;
        }
    }

    public static Images readImages(InputStream raw, String source) throws IOException {
        try (DataInputStream in = open(raw)) {
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new IOException(source + ": not an IDX image file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x803)");
            }
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (count < 0 || rows <= 0 || cols <= 0 || (long) count * rows * cols > Integer.MAX_VALUE) {
                throw new IOException(source + ": implausible IDX dimensions " + count + "×" + rows + "×" + cols);
            }
            byte[] bytes = new byte[count * rows * cols];
            readFully(in, bytes, source, "images");
            float[] pixels = new float[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                pixels[i] = (bytes[i] & 0xff) / 255f;
            }
            return new Images(count, rows, cols, pixels);
        }
    }

    public static int[] readLabels(InputStream raw, String source) throws IOException {
        try (DataInputStream in = open(raw)) {
            int magic = in.readInt();
            if (magic != 0x00000801) {
                throw new IOException(source + ": not an IDX label file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x801)");
            }
            int count = in.readInt();
            if (count < 0) {
                throw new IOException(source + ": negative label count " + count);
            }
            byte[] bytes = new byte[count];
            readFully(in, bytes, source, "labels");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = bytes[i] & 0xff;
            }
            return labels;
        }
    }

    private static void readFully(DataInputStream in, byte[] bytes, String source, String what) throws IOException {
        try {
            in.readFully(bytes);
        } catch (EOFException e) {
            throw new IOException(source + ": truncated IDX file, expected " + bytes.length + " bytes of " + what, e);
        }
    }

    private static DataInputStream open(InputStream raw) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        buffered.mark(2);
        int b1 = buffered.read();
        int b2 = buffered.read();
        buffered.reset();
        InputStream in = (b1 == 0x1f && b2 == 0x8b) ? new GZIPInputStream(buffered, 1 << 16) : buffered;
        return new DataInputStream(in);
    }
}
