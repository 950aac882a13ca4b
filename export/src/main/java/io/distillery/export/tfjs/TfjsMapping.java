package io.distillery.export.tfjs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import io.distillery.export.UnsupportedLayerException;
import java.util.Map;
import java.util.TreeSet;

/**
 * The explicit map from the model DSL to Keras layers as TF.js reads them: one writer per layer kind,
 * one Keras activation name per {@link LayerSpec.Activation}. A missing entry fails with an {@link
 * UnsupportedLayerException} naming the layer and the format before any file is written.
 */
record TfjsMapping(
        Map<Class<? extends LayerSpec>, KerasLayerWriter> layers, Map<LayerSpec.Activation, String> activations) {

    static final TfjsMapping DEFAULT = new TfjsMapping(
            Map.ofEntries(
                    Map.entry(LayerSpec.Dense.class, (KerasLayerWriter) TfjsLayers::dense),
                    Map.entry(LayerSpec.Conv2D.class, (KerasLayerWriter) TfjsLayers::conv2d),
                    Map.entry(LayerSpec.DepthwiseConv2D.class, (KerasLayerWriter) TfjsLayers::depthwiseConv2d),
                    Map.entry(LayerSpec.MaxPool2D.class, (KerasLayerWriter) TfjsLayers::maxPool),
                    Map.entry(LayerSpec.AvgPool2D.class, (KerasLayerWriter) TfjsLayers::avgPool),
                    Map.entry(LayerSpec.GlobalAvgPool.class, (KerasLayerWriter) TfjsLayers::globalAvgPool),
                    Map.entry(LayerSpec.BatchNorm.class, (KerasLayerWriter) TfjsLayers::batchNorm),
                    Map.entry(LayerSpec.Flatten.class, (KerasLayerWriter) TfjsLayers::flatten),
                    Map.entry(LayerSpec.Dropout.class, (KerasLayerWriter) TfjsLayers::dropout),
                    Map.entry(LayerSpec.Residual.class, (KerasLayerWriter) TfjsLayers::residual),
                    Map.entry(LayerSpec.Add.class, (KerasLayerWriter) TfjsLayers::add)),
            Map.of(
                    LayerSpec.Activation.NONE, "linear",
                    LayerSpec.Activation.RELU, "relu",
                    LayerSpec.Activation.RELU6, "relu6"));

    TfjsMapping {
        layers = Map.copyOf(layers);
        activations = Map.copyOf(activations);
    }

    /** Writes one layer as a Keras layer config. */
    @FunctionalInterface
    interface KerasLayerWriter {
        /**
         * @param inputShape the shape the layer receives in the TF.js model, batch left out (flat for a
         *     flat-fed spec whose input shape is not [H, W, C])
         * @return the Keras layer, or null for a layer that is no Keras layer (a residual block's start)
         */
        ObjectNode write(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping);
    }

    KerasLayerWriter writer(ModelSpec.NamedLayer layer) {
        KerasLayerWriter writer = layers.get(layer.spec().getClass());
        if (writer == null) {
            TreeSet<String> kinds = new TreeSet<>();
            layers.keySet().forEach(k -> kinds.add(k.getSimpleName()));
            throw new UnsupportedLayerException(
                    TfjsWriter.FORMAT,
                    layer.name(),
                    layer.spec(),
                    "no Keras layer mapping for layer kind "
                            + layer.spec().getClass().getSimpleName() + "; mapped kinds are " + kinds);
        }
        return writer;
    }

    String activation(ModelSpec.NamedLayer layer, LayerSpec.Activation activation) {
        String name = activations.get(activation);
        if (name == null) {
            throw new UnsupportedLayerException(
                    TfjsWriter.FORMAT,
                    layer.name(),
                    layer.spec(),
                    "activation " + activation + " has no Keras equivalent mapped; supported are "
                            + new TreeSet<>(activations.keySet()));
        }
        return name;
    }
}
