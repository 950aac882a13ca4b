package io.distillery.export.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.export.TestModels;
import io.distillery.export.tflite.TfLiteWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The meter runs every candidate in its runtime and reports sane figures (speed itself is for bench/). */
class LatencyMeterTest {

    @Test
    void everyCandidateIsMeasuredInItsRuntime() {
        ModelSpec spec = TestModels.CONV;
        Weights weights = TestModels.randomWeights(spec, 3);
        float[] rows = TestModels.gaussianRows(40, spec.inputSize(), 4);
        List<Inference> candidates = new ArrayList<>();
        try {
            candidates.add(Inference.tfJava("conv", spec, weights, 1));
            candidates.add(Inference.tflite("conv", "tflite", TfLiteWriter.float32(spec, weights), 1));
            candidates.add(Inference.tflite(
                    "conv",
                    "tflite-int8",
                    TfLiteWriter.int8(spec, weights, rows, 40).flatbuffer(),
                    1));
            List<Latency> measured = LatencyMeter.measure(
                    candidates, rows, spec.inputSize(), new LatencyMeter.Settings(2, 2, 10, 2, 32));
            assertEquals(
                    List.of("conv tf-java", "conv tflite", "conv tflite-int8"),
                    measured.stream().map(l -> l.model() + " " + l.runtime()).toList());
            for (Latency l : measured) {
                assertTrue(l.p50Ms() > 0 && l.p99Ms() >= l.p50Ms() && l.rowsPerSecond() > 0, l.toString());
                assertEquals(32, l.batch());
            }
        } finally {
            candidates.forEach(Inference::close);
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> LatencyMeter.measure(
                        List.of(), rows, spec.inputSize(), new LatencyMeter.Settings(0, 1, 1, 1, 64)));
    }

    @Test
    void percentilesAreNearestRank() {
        long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, LatencyMeter.percentile(sorted, 0.5));
        assertEquals(10, LatencyMeter.percentile(sorted, 0.99));
        assertEquals(1, LatencyMeter.percentile(new long[] {1}, 0.99));
    }
}
