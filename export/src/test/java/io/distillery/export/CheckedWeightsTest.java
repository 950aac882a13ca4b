package io.distillery.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Weights are checked against the spec before any format is written. */
class CheckedWeightsTest {
    private final Weights weights = TestModels.randomWeights(TestModels.CONV, 1);

    @Test
    void keepsLayerOrderKernelBeforeBias() {
        CheckedWeights checked = CheckedWeights.of(TestModels.CONV, weights, "F");
        assertEquals(
                List.of(
                        "conv2d_1/kernel",
                        "conv2d_1/bias",
                        "conv2d_2/kernel",
                        "conv2d_2/bias",
                        "conv2d_3/kernel",
                        "conv2d_3/bias",
                        "dense_1/kernel",
                        "dense_1/bias",
                        "dense_2/kernel",
                        "dense_2/bias"),
                checked.inOrder().stream().map(NamedArray::name).toList());
    }

    @Test
    void missingArrayIsNamed() {
        List<NamedArray> arrays = new ArrayList<>(weights.asMap().values());
        arrays.removeIf(a -> a.name().equals("conv2d_2/bias"));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> CheckedWeights.of(TestModels.CONV, new Weights(arrays), "F"));
        assertTrue(
                e.getMessage().startsWith("F export: expected weight conv2d_2/bias with shape [5], found none"),
                e.getMessage());
    }

    @Test
    void extraArrayIsNamed() {
        List<NamedArray> arrays = new ArrayList<>(weights.asMap().values());
        arrays.add(new NamedArray("dense_3/kernel", new long[] {1}, new float[1]));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> CheckedWeights.of(TestModels.CONV, new Weights(arrays), "F"));
        assertTrue(e.getMessage().contains("found extra [dense_3/kernel]"), e.getMessage());
    }

    @Test
    void nonFiniteValueIsNamed() {
        NamedArray bias = weights.get("dense_1/bias");
        float[] values = bias.values().clone();
        values[2] = Float.POSITIVE_INFINITY;
        Weights bad = weights.with(new NamedArray(bias.name(), bias.shape(), values));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> CheckedWeights.of(TestModels.CONV, bad, "F"));
        assertTrue(
                e.getMessage().contains("expected finite values in dense_1/bias, found Infinity at flat index 2"),
                e.getMessage());
    }
}
