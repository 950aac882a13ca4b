package io.distillery.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void mobileLayersFollowTensorFlowsShapesAndCountTheirParameters() {
        ModelSpec spec = ModelSpec.of(
                new int[] {28, 28, 1},
                10,
                List.of(
                        "conv2d(16,3,relu6,same,2)", // SAME, stride 2: ceil(28 / 2) = 14
                        "separable(32,3,relu6,same,2)", // dwconv2d(3,1,none,same,2) then conv2d(32,1,relu6,valid)
                        "dwconv2d(3,2,relu6,valid)", // VALID: (7 - 3) / 1 + 1 = 5, 32 × 2 channels
                        "avgpool(2)",
                        "globalavgpool",
                        "dense(10)"));
        assertEquals(
                List.of(
                        "conv2d(16,3,relu6,same,2)",
                        "dwconv2d(3,1,none,same,2)",
                        "conv2d(32,1,relu6,valid)",
                        "dwconv2d(3,2,relu6,valid)",
                        "avgpool(2)",
                        "globalavgpool",
                        "dense(10)"),
                spec.layers().stream().map(LayerSpec::toString).toList());
        List<int[]> shapes = spec.outputShapes();
        assertArrayEquals(new int[] {14, 14, 16}, shapes.get(0));
        assertArrayEquals(new int[] {7, 7, 16}, shapes.get(1));
        assertArrayEquals(new int[] {7, 7, 32}, shapes.get(2));
        assertArrayEquals(new int[] {5, 5, 64}, shapes.get(3));
        assertArrayEquals(new int[] {2, 2, 64}, shapes.get(4));
        assertArrayEquals(new int[] {64}, shapes.get(5));
        assertArrayEquals(new long[] {3, 3, 32, 2}, spec.variableShapes().get("dwconv2d_2/kernel"));
        // 160 + (144 + 16) + (512 + 32) + (576 + 64) + 650: Keras's count for the same layers.
        assertEquals(160 + 160 + 544 + 640 + 650, spec.parameterCount());
        String summary = spec.summary();
        assertTrue(
                summary.contains("dwconv2d_2       dwconv2d(3,2,relu6,valid)    [5, 5, 64]              640"), summary);
        assertTrue(summary.lines().reduce((a, b) -> b).orElseThrow().matches("  total\\s+2,154"), summary);
        // The textual form parses back to the same layers (what a run records).
        assertEquals(
                spec,
                ModelSpec.of(
                        new int[] {28, 28, 1},
                        10,
                        spec.layers().stream().map(LayerSpec::toString).toList()));
    }

    @Test
    void residualBlocksAddTheirInputAndProjectItWhereTheShapeChanges() {
        ModelSpec spec = ModelSpec.of(
                new int[] {28, 28, 1},
                10,
                List.of(
                        "conv2d(8,3,none,same)",
                        // Same shape: the identity shortcut, no variables of its own.
                        "residual(conv2d(8,3,none,same),batchnorm(relu),conv2d(8,3,none,same),batchnorm,relu)",
                        // Stride 2 and 16 filters: a 1×1 projection with stride 2 (8·16 + 16 parameters).
                        "residual(conv2d(16,3,relu,same,2),conv2d(16,3,none,same),relu)",
                        "globalavgpool",
                        "dense(10)"));
        assertEquals(
                List.of(
                        "conv2d(8,3,none,same)",
                        "residual",
                        "conv2d(8,3,none,same)",
                        "batchnorm(relu)",
                        "conv2d(8,3,none,same)",
                        "batchnorm",
                        "add(relu)",
                        "residual",
                        "conv2d(16,3,relu,same,2)",
                        "conv2d(16,3,none,same)",
                        "add(relu)",
                        "globalavgpool",
                        "dense(10)"),
                spec.layers().stream().map(LayerSpec::toString).toList());
        ModelSpec.Shortcut identity = spec.shortcut(6);
        assertEquals(1, identity.from());
        assertFalse(identity.projected());
        ModelSpec.Shortcut projected = spec.shortcut(10);
        assertEquals(7, projected.from());
        assertTrue(projected.projected());
        assertEquals(2, projected.stride());
        assertArrayEquals(new int[] {14, 14, 16}, spec.outputShapes().get(10));
        assertFalse(spec.variableShapes().containsKey("add_1/kernel"));
        assertArrayEquals(new long[] {1, 1, 8, 16}, spec.variableShapes().get("add_2/kernel"));
        assertArrayEquals(new long[] {16}, spec.variableShapes().get("add_2/bias"));
        assertTrue(spec.summary().contains("add_2            add(relu)"), spec.summary());
        // The textual form parses back (the flat layer list is what a run records).
        assertEquals(
                spec,
                ModelSpec.of(
                        new int[] {28, 28, 1},
                        10,
                        spec.layers().stream().map(LayerSpec::toString).toList()));
        // A block that changes the rank, or an add without its residual, is refused naming the layer.
        IllegalArgumentException rank = assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.of(new int[] {4, 4, 1}, 3, List.of("residual(flatten,dense(4))", "dense(3)")));
        assertTrue(rank.getMessage().contains("keep its input's rank"), rank.getMessage());
        IllegalArgumentException unmatched = assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.of(new int[] {4}, 3, List.of("dense(4)", "add", "dense(3)")));
        assertTrue(unmatched.getMessage().contains("model layer 2 add: no residual block"), unmatched.getMessage());
    }

    @Test
    void badSpecsNameTheLayer() {
        IllegalArgumentException padding = assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.of(
                        new int[] {8, 8, 1}, 10, List.of("separable(8,3,relu,full)", "flatten", "dense(10)")));
        assertEquals(
                "model layer 1: layer 'separable(8,3,relu,full)': layer 'dwconv2d(3,1,none,full,1)': padding"
                        + " must be valid or same, found 'full'",
                padding.getMessage());
        IllegalArgumentException pool = assertThrows(
                IllegalArgumentException.class,
                () -> ModelSpec.of(new int[] {4, 4, 1}, 10, List.of("avgpool(5)", "flatten", "dense(10)")));
        assertEquals("model layer 1 avgpool(5): pool larger than its input [4, 4, 1]", pool.getMessage());

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
