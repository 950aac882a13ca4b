package io.distillery.export;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The weights a {@link ModelSpec} needs, verified against it: every {@code <layer>/kernel} and
 * {@code <layer>/bias} present with the shape the spec implies (dense {@code [in, units]}, conv2d HWIO
 * {@code [k, k, in, filters]}), all values finite, and no array the spec has no layer for. Writers build
 * from this instead of raw {@link Weights} so that a mismatch fails before a file is written.
 */
public final class CheckedWeights {
    private final LinkedHashMap<String, NamedArray> arrays;

    private CheckedWeights(LinkedHashMap<String, NamedArray> arrays) {
        this.arrays = arrays;
    }

    /**
     * Checks {@code weights} against {@code spec}.
     *
     * @param format named in error messages, e.g. {@code TF.js}
     * @throws IllegalArgumentException naming the array, the expected and the found shape or value
     */
    public static CheckedWeights of(ModelSpec spec, Weights weights, String format) {
        Map<String, long[]> expected = spec.variableShapes();
        LinkedHashMap<String, NamedArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String name = e.getKey();
            if (!weights.contains(name)) {
                throw new IllegalArgumentException(format + " export: expected weight " + name + " with shape "
                        + Arrays.toString(e.getValue()) + ", found none; weights have "
                        + weights.asMap().keySet());
            }
            NamedArray array = weights.get(name);
            if (!Arrays.equals(array.shape(), e.getValue())) {
                throw new IllegalArgumentException(format + " export: expected " + name + " with shape "
                        + Arrays.toString(e.getValue()) + ", found " + Arrays.toString(array.shape()));
            }
            float[] values = array.values();
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new IllegalArgumentException(format + " export: expected finite values in " + name
                            + ", found " + values[i] + " at flat index " + i);
                }
            }
            out.put(name, array);
        }
        Set<String> extra = new TreeSet<>(weights.asMap().keySet());
        extra.removeAll(expected.keySet());
        if (!extra.isEmpty()) {
            throw new IllegalArgumentException(format + " export: expected only the weights of " + spec + " ("
                    + expected.keySet() + "), found extra " + extra + "; were these weights made for another spec?");
        }
        return new CheckedWeights(out);
    }

    /** The kernel of a dense or conv2d layer, in the spec's layout. */
    public NamedArray kernel(String layerName) {
        return get(layerName + "/kernel");
    }

    /** The bias of a dense or conv2d layer. */
    public NamedArray bias(String layerName) {
        return get(layerName + "/bias");
    }

    /** Any of the spec's arrays by name, e.g. {@code batchnorm_1/gamma}. */
    public NamedArray get(String name) {
        NamedArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no weight " + name + " in the spec's layers; have " + arrays.keySet());
        }
        return a;
    }

    /** All arrays in layer order, kernel before bias. */
    public List<NamedArray> inOrder() {
        return new ArrayList<>(arrays.values());
    }
}
