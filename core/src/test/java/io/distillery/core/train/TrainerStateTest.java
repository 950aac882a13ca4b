package io.distillery.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A checkpoint reads back exactly, and a damaged one is refused rather than resumed from. */
class TrainerStateTest {
    static final TrainerState STATE = new TrainerState(
            42,
            new Weights(List.of(
                    new NamedArray("dense_1/kernel", new long[] {4, 8}, ramp(32, 0.5f)),
                    new NamedArray("dense_1/bias", new long[] {8}, ramp(8, -1f)))),
            new Weights(List.of(new NamedArray("dense_1/kernel/m", new long[] {4, 8}, ramp(32, 0.01f)))));

    @Test
    void roundTrips() throws IOException {
        TrainerState back = TrainerState.read(new ByteArrayInputStream(bytes(STATE)));
        assertEquals(42, back.step());
        assertEquals(STATE.model(), back.model());
        assertEquals(STATE.optimizer(), back.optimizer());
    }

    @Test
    void aFlippedByteInTheWeightsIsRefused() throws IOException {
        byte[] b = bytes(STATE);
        b[b.length / 2] ^= 0x10; // inside a float: the file would still parse
        IOException e = assertThrows(IOException.class, () -> TrainerState.read(new ByteArrayInputStream(b)));
        assertTrue(e.getMessage().contains("does not match its CRC-32"), e.getMessage());
    }

    @Test
    void aTruncatedFileIsRefused() throws IOException {
        byte[] b = bytes(STATE);
        for (int cut : new int[] {b.length - 1, b.length / 2, 10, 3, 0}) {
            byte[] shorter = Arrays.copyOf(b, cut);
            assertThrows(
                    IOException.class, () -> TrainerState.read(new ByteArrayInputStream(shorter)), "cut at " + cut);
        }
    }

    @Test
    void checkpointsWrittenBeforeTheChecksumStillRead() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(0x44535443); // "DSTC": magic, step, model, optimizer, no trailer
        data.writeLong(STATE.step());
        STATE.model().write(data);
        STATE.optimizer().write(data);
        data.flush();
        TrainerState back = TrainerState.read(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(42, back.step());
        assertArrayEquals(
                STATE.model().get("dense_1/bias").values(),
                back.model().get("dense_1/bias").values());
    }

    @Test
    void somethingElseIsNotACheckpoint() {
        IOException e = assertThrows(
                IOException.class, () -> TrainerState.read(new ByteArrayInputStream("{\"json\": true}".getBytes())));
        assertTrue(e.getMessage().contains("not a Distillery checkpoint"), e.getMessage());
    }

    private static byte[] bytes(TrainerState state) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        state.write(out);
        return out.toByteArray();
    }

    private static float[] ramp(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * scale;
        }
        return v;
    }
}
