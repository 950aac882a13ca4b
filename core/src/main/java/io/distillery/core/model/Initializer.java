package io.distillery.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Initial weights computed in Java from a seed: Glorot-uniform kernels and zero biases, as Keras does
 * by default. The same seed gives bit-identical weights in every JVM, which is how all workers of a
 * data-parallel run start from the same point.
 */
public final class Initializer {
    private Initializer() {}

    public static Weights glorotUniform(ModelSpec spec, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<NamedArray> arrays = new ArrayList<>();
        Set<String> depthwise = spec.namedLayers().stream()
                .filter(l -> l.spec() instanceof LayerSpec.DepthwiseConv2D)
                .map(l -> l.name() + "/kernel")
                .collect(Collectors.toSet());
        spec.variableShapes().forEach((name, shape) -> {
            if (name.endsWith("/kernel")) {
                // Fan-in and fan-out: the last two dimensions times the receptive field (1 for a dense kernel).
                // A depthwise filter sees one input channel: its fan-in is the window alone (Keras counts
                // every input channel, which shrinks each depthwise layer's output by √channels).
                long receptive = Arrays.stream(shape, 0, shape.length - 2).reduce(1, (a, b) -> a * b);
                int fanIn = (int) (receptive * (depthwise.contains(name) ? 1 : shape[shape.length - 2]));
                int fanOut = (int) (receptive * shape[shape.length - 1]);
                arrays.add(glorot(name, shape, fanIn, fanOut, random));
            } else {
                // Biases, beta and moving means start at 0; batch norm's gamma and moving variance at 1.
                float[] v = new float[(int) shape[0]];
                if (name.endsWith("/gamma") || name.endsWith("/moving_variance")) {
                    Arrays.fill(v, 1f);
                }
                arrays.add(new NamedArray(name, shape, v));
            }
        });
        return new Weights(arrays);
    }

    private static NamedArray glorot(String name, long[] shape, int fanIn, int fanOut, SplittableRandom random) {
        float[] values = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return new NamedArray(name, shape, values);
    }
}
