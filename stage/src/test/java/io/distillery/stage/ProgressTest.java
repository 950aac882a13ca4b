package io.distillery.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void roundTripsThroughItsJson() {
        Progress p = new Progress(2, 5, 300, 100, 0.25, 0.875, true, 42, 512);
        assertEquals(p, Progress.parse(p.toJson()));
        Progress old = Progress.parse("{\"epoch\":1,\"epochs\":3,\"step\":20,\"steps_per_epoch\":10,\"loss\":0.5,"
                + "\"accuracy\":0.75,\"epoch_done\":false}");
        assertEquals(new Progress(1, 3, 20, 10, 0.5, 0.75, false, -1, -1), old);
    }

    @Test
    void aDocumentWithoutTheStepIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Progress.parse("{\"epoch\":1}"));
    }
}
