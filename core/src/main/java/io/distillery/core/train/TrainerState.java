package io.distillery.core.train;

import io.distillery.core.model.Weights;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * Everything needed to resume training exactly: the step counter, the model's weights and the
 * optimizer's slots (Adam moments, momentum accumulators). This is what a checkpoint holds.
 *
 * <p>The file ends with a CRC-32 of everything before it, so a checkpoint damaged in storage is
 * refused instead of resuming from garbage weights: not every store checks its files (S3 has no
 * checksum side files, and a local copy made with plain tools has none either). Files written
 * before the checksum existed (magic {@code DSTC}) are still read, unchecked.
 */
public record TrainerState(long step, Weights model, Weights optimizer) implements Serializable {
    private static final int MAGIC_UNCHECKED = 0x44535443; // "DSTC"
    private static final int MAGIC = 0x44535432; // "DST2": DSTC followed by a CRC-32 trailer

    public TrainerState {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, found " + step);
        }
    }

    public void write(OutputStream out) throws IOException {
        CheckedOutputStream checked = new CheckedOutputStream(out, new CRC32());
        DataOutputStream data = new DataOutputStream(checked);
        data.writeInt(MAGIC);
        data.writeLong(step);
        model.write(data);
        optimizer.write(data);
        data.flush();
        new DataOutputStream(out).writeInt((int) checked.getChecksum().getValue());
        out.flush();
    }

    /**
     * Reads a checkpoint, checking its CRC-32 before parsing anything.
     *
     * @throws IOException when it is not a checkpoint, is truncated, or its content does not match its
     *     checksum
     */
    public static TrainerState read(InputStream in) throws IOException {
        byte[] bytes = in.readAllBytes();
        if (bytes.length < 4) {
            throw new IOException("not a Distillery checkpoint (" + bytes.length + " bytes)");
        }
        int magic = ByteBuffer.wrap(bytes).getInt();
        int length = bytes.length;
        if (magic == MAGIC) {
            if (length < 4 + 8 + 4) {
                throw new IOException("truncated checkpoint (" + length + " bytes)");
            }
            length -= 4;
            int stored = ByteBuffer.wrap(bytes, length, 4).getInt();
            CRC32 crc = new CRC32();
            crc.update(bytes, 0, length);
            if ((int) crc.getValue() != stored) {
                throw new IOException(String.format(
                        "checkpoint content does not match its CRC-32 (stored %08x, computed %08x over %d bytes):"
                                + " the file is damaged or truncated",
                        stored, (int) crc.getValue(), length));
            }
        } else if (magic != MAGIC_UNCHECKED) {
            throw new IOException("not a Distillery checkpoint (bad magic 0x" + Integer.toHexString(magic) + ")");
        }
        DataInputStream data = new DataInputStream(new ByteArrayInputStream(bytes, 4, length - 4));
        long step = data.readLong();
        TrainerState state = new TrainerState(step, Weights.read(data), Weights.read(data));
        if (data.available() > 0) {
            throw new IOException("checkpoint has " + data.available() + " unexpected bytes after its content");
        }
        return state;
    }
}
