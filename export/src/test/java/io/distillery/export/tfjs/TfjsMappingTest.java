package io.distillery.export.tfjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.Weights;
import io.distillery.export.TestModels;
import io.distillery.export.UnsupportedLayerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every construct of the DSL maps to a Keras layer, and one without a mapping fails loudly. */
class TfjsMappingTest {
    @TempDir
    Path dir;

    @Test
    void everyLayerKindAndActivationOfCoreIsMapped() {
        assertEquals(
                Set.of(LayerSpec.class.getPermittedSubclasses()),
                TfjsMapping.DEFAULT.layers().keySet());
        assertEquals(
                EnumSet.allOf(LayerSpec.Activation.class),
                Set.copyOf(TfjsMapping.DEFAULT.activations().keySet()));
    }

    @Test
    void layerKindWithoutMappingFailsNamingLayerAndFormatAndWritesNothing() {
        Map<Class<? extends LayerSpec>, TfjsMapping.KerasLayerWriter> layers =
                new HashMap<>(TfjsMapping.DEFAULT.layers());
        layers.remove(LayerSpec.Flatten.class);
        TfjsMapping noFlatten = new TfjsMapping(layers, TfjsMapping.DEFAULT.activations());
        Weights weights = TestModels.randomWeights(TestModels.CONV, 1);
        Path out = dir.resolve("model");

        UnsupportedLayerException e = assertThrows(
                UnsupportedLayerException.class,
                () -> TfjsWriter.write(TestModels.CONV, weights, out, 1000, noFlatten));
        assertEquals("TF.js", e.format());
        assertEquals("flatten_1", e.layerName());
        assertTrue(e.getMessage().startsWith("TF.js cannot express layer flatten_1 (flatten)"), e.getMessage());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void activationWithoutMappingFailsNamingLayerAndFormat() {
        TfjsMapping noRelu = new TfjsMapping(TfjsMapping.DEFAULT.layers(), Map.of(LayerSpec.Activation.NONE, "linear"));
        UnsupportedLayerException e = assertThrows(
                UnsupportedLayerException.class,
                () -> TfjsWriter.write(
                        TestModels.CONV, TestModels.randomWeights(TestModels.CONV, 1), dir, 1000, noRelu));
        assertEquals("conv2d_1", e.layerName());
        assertTrue(e.getMessage().contains("TF.js cannot express layer conv2d_1"), e.getMessage());
    }
}
