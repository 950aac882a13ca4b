package io.distillery.export.tflite;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import io.distillery.export.UnsupportedLayerException;
import java.util.ArrayList;
import java.util.List;

/**
 * Folds each batch-norm layer into the convolution or dense layer just before it, as the TFLite
 * converter does: at inference batch norm is {@code x · s + (beta − mean · s)} with {@code s = gamma /
 * √(variance + ε)} per channel, so the kernel's output channel {@code o} is scaled by {@code s[o]}, the
 * bias becomes {@code (bias − mean) · s + beta}, and the layer takes batch norm's activation. The file
 * then has one fused operator where the graph has three.
 */
final class BatchNormFolding {
    private BatchNormFolding() {}

    /** A spec without batch norm and the weights that compute the same function. */
    record Folded(ModelSpec spec, Weights weights) {}

    static Folded fold(ModelSpec spec, Weights weights, String format) {
        List<ModelSpec.NamedLayer> named = spec.namedLayers();
        if (named.stream().noneMatch(l -> l.spec() instanceof LayerSpec.BatchNorm)) {
            return new Folded(spec, weights);
        }
        List<LayerSpec> layers = new ArrayList<>();
        List<NamedArray> arrays = new ArrayList<>(weights.asMap().values());
        for (int i = 0; i < named.size(); i++) {
            LayerSpec layer = named.get(i).spec();
            if (!(layer instanceof LayerSpec.BatchNorm bn)) {
                layers.add(layer);
                continue;
            }
            LayerSpec previous = i == 0 ? null : named.get(i - 1).spec();
            LayerSpec fused = withActivation(previous, bn.activation());
            if (fused == null || layers.get(layers.size() - 1) != previous) {
                throw new UnsupportedLayerException(
                        format,
                        named.get(i).name(),
                        bn,
                        "batch norm is folded into the conv2d, dwconv2d or dense layer just before it, which must"
                                + " have no activation of its own; found " + (previous == null ? "none" : previous));
            }
            layers.set(layers.size() - 1, fused);
            String target = named.get(i - 1).name();
            String norm = named.get(i).name();
            float[] gamma = weights.get(norm + "/gamma").values();
            float[] beta = weights.get(norm + "/beta").values();
            float[] mean = weights.get(norm + "/moving_mean").values();
            float[] variance = weights.get(norm + "/moving_variance").values();
            float[] scale = new float[gamma.length];
            for (int c = 0; c < scale.length; c++) {
                scale[c] = (float) (gamma[c] / Math.sqrt(variance[c] + bn.epsilon()));
            }
            NamedArray kernel = weights.get(target + "/kernel");
            float[] k = kernel.values().clone();
            for (int j = 0; j < k.length; j++) {
                k[j] *= scale[j % scale.length]; // the output channel is the innermost index in every layout
            }
            float[] b = weights.get(target + "/bias").values().clone();
            for (int c = 0; c < b.length; c++) {
                b[c] = (b[c] - mean[c]) * scale[c] + beta[c];
            }
            arrays.removeIf(a -> a.name().startsWith(norm + "/") || a.name().startsWith(target + "/"));
            arrays.add(new NamedArray(target + "/kernel", kernel.shape(), k));
            arrays.add(new NamedArray(target + "/bias", new long[] {b.length}, b));
        }
        return new Folded(new ModelSpec(spec.inputShape(), spec.numClasses(), layers), new Weights(arrays));
    }

    /** {@code layer} with {@code activation} if it is a weighted layer without one, else null. */
    private static LayerSpec withActivation(LayerSpec layer, LayerSpec.Activation activation) {
        if (layer instanceof LayerSpec.Conv2D c && c.activation() == LayerSpec.Activation.NONE) {
            return new LayerSpec.Conv2D(c.filters(), c.kernelSize(), activation, c.padding(), c.stride());
        }
        if (layer instanceof LayerSpec.DepthwiseConv2D d && d.activation() == LayerSpec.Activation.NONE) {
            return new LayerSpec.DepthwiseConv2D(d.kernelSize(), d.multiplier(), activation, d.padding(), d.stride());
        }
        if (layer instanceof LayerSpec.Dense d && d.activation() == LayerSpec.Activation.NONE) {
            return new LayerSpec.Dense(d.units(), activation);
        }
        return null;
    }
}
