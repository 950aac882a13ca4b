package io.distillery.export.tflite;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import io.distillery.export.UnsupportedLayerException;
import java.util.Map;
import java.util.TreeSet;
import org.tensorflow.lite.schema.ActivationFunctionType;

/**
 * The explicit map from the model DSL to TFLite: one emitter per layer kind and one fused activation per
 * {@link LayerSpec.Activation}. A layer kind or activation missing here fails with an {@link
 * UnsupportedLayerException} naming the layer and the format, before anything is written; a test checks
 * that every kind core permits is mapped.
 */
record TfLiteMapping(
        Map<Class<? extends LayerSpec>, LayerEmitter> layers, Map<LayerSpec.Activation, Byte> activations) {

    static final TfLiteMapping DEFAULT = new TfLiteMapping(
            Map.ofEntries(
                    Map.entry(LayerSpec.Dense.class, (LayerEmitter) TfLiteLayers::dense),
                    Map.entry(LayerSpec.Conv2D.class, (LayerEmitter) TfLiteLayers::conv2d),
                    Map.entry(LayerSpec.DepthwiseConv2D.class, (LayerEmitter) TfLiteLayers::depthwiseConv2d),
                    Map.entry(LayerSpec.MaxPool2D.class, (LayerEmitter) TfLiteLayers::maxPool),
                    Map.entry(LayerSpec.AvgPool2D.class, (LayerEmitter) TfLiteLayers::avgPool),
                    Map.entry(LayerSpec.GlobalAvgPool.class, (LayerEmitter) TfLiteLayers::globalAvgPool),
                    Map.entry(LayerSpec.BatchNorm.class, (LayerEmitter) TfLiteLayers::batchNorm),
                    Map.entry(LayerSpec.Flatten.class, (LayerEmitter) TfLiteLayers::flatten),
                    Map.entry(LayerSpec.Dropout.class, (LayerEmitter) TfLiteLayers::dropout),
                    Map.entry(LayerSpec.Residual.class, (LayerEmitter) TfLiteLayers::residual),
                    Map.entry(LayerSpec.Add.class, (LayerEmitter) TfLiteLayers::add)),
            Map.of(
                    LayerSpec.Activation.NONE, ActivationFunctionType.NONE,
                    LayerSpec.Activation.RELU, ActivationFunctionType.RELU,
                    LayerSpec.Activation.RELU6, ActivationFunctionType.RELU6));

    TfLiteMapping {
        layers = Map.copyOf(layers);
        activations = Map.copyOf(activations);
    }

    LayerEmitter emitter(ModelSpec.NamedLayer layer, String format) {
        LayerEmitter emitter = layers.get(layer.spec().getClass());
        if (emitter == null) {
            TreeSet<String> kinds = new TreeSet<>();
            layers.keySet().forEach(k -> kinds.add(k.getSimpleName()));
            throw new UnsupportedLayerException(
                    format,
                    layer.name(),
                    layer.spec(),
                    "no " + format + " operator mapping for layer kind "
                            + layer.spec().getClass().getSimpleName() + "; mapped kinds are " + kinds);
        }
        return emitter;
    }

    byte fusedActivation(ModelSpec.NamedLayer layer, LayerSpec.Activation activation, String format) {
        Byte fused = activations.get(activation);
        if (fused == null) {
            throw new UnsupportedLayerException(
                    format,
                    layer.name(),
                    layer.spec(),
                    "activation " + activation + " has no fused " + format + " equivalent; supported are "
                            + new TreeSet<>(activations.keySet()));
        }
        return fused;
    }
}
