package io.distillery.export.tflite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.Weights;
import io.distillery.export.TestModels;
import io.distillery.export.UnsupportedLayerException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every construct of the DSL maps to TFLite, and a construct without a mapping fails loudly. */
class TfLiteMappingTest {

    @Test
    void everyLayerKindAndActivationOfCoreIsMapped() {
        // Fails when core adds a LayerSpec or an Activation that this writer does not know yet.
        assertEquals(
                Set.of(LayerSpec.class.getPermittedSubclasses()),
                TfLiteMapping.DEFAULT.layers().keySet());
        assertEquals(
                EnumSet.allOf(LayerSpec.Activation.class),
                Set.copyOf(TfLiteMapping.DEFAULT.activations().keySet()));
    }

    @Test
    void layerKindWithoutMappingFailsNamingLayerAndFormat() {
        Map<Class<? extends LayerSpec>, LayerEmitter> layers = new HashMap<>(TfLiteMapping.DEFAULT.layers());
        layers.remove(LayerSpec.MaxPool2D.class);
        TfLiteMapping withoutPooling = new TfLiteMapping(layers, TfLiteMapping.DEFAULT.activations());
        Weights weights = TestModels.randomWeights(TestModels.CONV, 1);

        UnsupportedLayerException e = assertThrows(
                UnsupportedLayerException.class, () -> TfLiteWriter.float32(TestModels.CONV, weights, withoutPooling));
        assertEquals("TFLite float32", e.format());
        assertEquals("maxpool_1", e.layerName());
        assertTrue(
                e.getMessage().startsWith("TFLite float32 cannot express layer maxpool_1 (maxpool(2))"),
                e.getMessage());

        float[] rows = TestModels.gaussianRows(4, TestModels.CONV.inputSize(), 2);
        UnsupportedLayerException int8 = assertThrows(
                UnsupportedLayerException.class,
                () -> TfLiteWriter.int8(TestModels.CONV, weights, rows, 4, withoutPooling));
        assertEquals("TFLite int8", int8.format());
        assertEquals("maxpool_1", int8.layerName());
    }

    @Test
    void activationWithoutMappingFailsNamingLayerAndFormat() {
        TfLiteMapping noRelu = new TfLiteMapping(
                TfLiteMapping.DEFAULT.layers(),
                Map.of(LayerSpec.Activation.NONE, org.tensorflow.lite.schema.ActivationFunctionType.NONE));
        UnsupportedLayerException e = assertThrows(
                UnsupportedLayerException.class,
                () -> TfLiteWriter.float32(TestModels.DENSE, TestModels.randomWeights(TestModels.DENSE, 1), noRelu));
        assertEquals("dense_1", e.layerName());
        assertTrue(
                e.getMessage().contains("TFLite float32 cannot express layer dense_1 (dense(16,relu))"),
                e.getMessage());
        assertTrue(e.getMessage().contains("activation RELU"), e.getMessage());
    }
}
