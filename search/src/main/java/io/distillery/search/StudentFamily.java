package io.distillery.search;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The students a search chooses among: the configured student with its hidden dense layers' units and
 * its convolutions' filters scaled by a width multiplier (as MobileNet's α). Depthwise layers follow
 * their input; the output layer keeps one unit per class.
 */
public final class StudentFamily {
    private StudentFamily() {}

    public static ModelSpec scaled(ModelSpec base, double width) {
        List<LayerSpec> layers = base.layers();
        List<LayerSpec> out = new ArrayList<>(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            boolean output = i == layers.size() - 1;
            if (l instanceof LayerSpec.Dense d && !output) {
                out.add(new LayerSpec.Dense(scale(d.units(), width), d.activation()));
            } else if (l instanceof LayerSpec.Conv2D c) {
                out.add(new LayerSpec.Conv2D(
                        scale(c.filters(), width), c.kernelSize(), c.activation(), c.padding(), c.stride()));
            } else {
                out.add(l);
            }
        }
        return new ModelSpec(base.inputShape(), base.numClasses(), out);
    }

    private static int scale(int n, double width) {
        return Math.max(1, (int) Math.round(n * width));
    }
}
