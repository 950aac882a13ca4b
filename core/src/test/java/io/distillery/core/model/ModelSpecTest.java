package io.distillery.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelSpecTest {

    @Test
    void teacherCnnShapesAndNames() {
        ModelSpec spec = ModelSpec.of(
                new int[] {28, 28, 1},
                10,
                List.of(
                        "conv2d(32,3,relu)",
                        "maxpool(2)",
                        "conv2d(64,3,relu)",
                        "maxpool(2)",
                        "flatten",
                        "dense(128,relu)",
                        "dropout(0.25)",
                        "dense(10)"));
        assertArrayEquals(new int[] {1600}, spec.outputShapes().get(4));
        assertEquals("conv2d_2", spec.namedLayers().get(2).name());
        assertEquals("dense_2", spec.namedLayers().get(7).name());
        assertEquals(320 + 18496 + 204928 + 1290, spec.parameterCount());
    }

    @Test
    void badSpecsNameTheLayer() {
        IllegalArgumentException zero = assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.of(new int[] {784}, 10, List.of("dense(0,relu)", "dense(10)")));
        assertTrue(zero.getMessage().contains("layer 1"), zero.getMessage());
        assertTrue(zero.getMessage().contains("units must be > 0"), zero.getMessage());

        IllegalArgumentException last = assertThrows(
                IllegalArgumentException.class, () -> ModelSpec.of(new int[] {784}, 10, List.of("dense(10,relu)")));
        assertTrue(last.getMessage().contains("last layer must be dense(10)"), last.getMessage());

        IllegalArgumentException conv = assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.of(new int[] {784}, 10, List.of("conv2d(8,3)", "flatten", "dense(10)")));
        assertTrue(conv.getMessage().contains("[height, width, channels]"), conv.getMessage());

        assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.of(new int[] {784}, 10, List.of("lstm(3)", "dense(10)")));
    }

    @Test
    void weightsRoundTripThroughBinaryForm() throws IOException {
        ModelSpec spec = ModelSpec.of(new int[] {5}, 3, List.of("dense(4,relu)", "dense(3)"));
        Weights w = Initializer.glorotUniform(spec, 42);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.write(out);
        Weights back = Weights.read(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(w, back);
        byte[] truncated = java.util.Arrays.copyOf(out.toByteArray(), out.size() - 3);
        assertThrows(IOException.class, () -> Weights.read(new ByteArrayInputStream(truncated)));
    }
}
