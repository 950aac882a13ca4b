package io.distillery.export.tfjs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;

/**
 * Keras 2 layer configs ({@code {"class_name": ..., "config": {...}}}) for each layer kind, referenced
 * from {@link TfjsMapping#DEFAULT}. Layouts match core's: Dense kernel {@code [in, units]}, Conv2D HWIO,
 * channels last.
 */
final class TfjsLayers {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private TfjsLayers() {}

    static ObjectNode dense(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        LayerSpec.Dense dense = (LayerSpec.Dense) layer.spec();
        ObjectNode config = common(layer.name());
        config.put("units", dense.units());
        config.put("activation", mapping.activation(layer, dense.activation()));
        weighted(config);
        return layer("Dense", config);
    }

    static ObjectNode conv2d(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        LayerSpec.Conv2D conv = (LayerSpec.Conv2D) layer.spec();
        ObjectNode config = common(layer.name());
        config.put("filters", conv.filters());
        config.putArray("kernel_size").add(conv.kernelSize()).add(conv.kernelSize());
        config.putArray("strides").add(1).add(1);
        config.put(
                "padding",
                switch (conv.padding()) {
                    case SAME -> "same";
                    case VALID -> "valid";
                });
        config.put("data_format", "channels_last");
        config.putArray("dilation_rate").add(1).add(1);
        config.put("activation", mapping.activation(layer, conv.activation()));
        weighted(config);
        return layer("Conv2D", config);
    }

    static ObjectNode maxPool(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        int k = ((LayerSpec.MaxPool2D) layer.spec()).poolSize();
        ObjectNode config = common(layer.name());
        config.putArray("pool_size").add(k).add(k);
        config.put("padding", "valid");
        config.putArray("strides").add(k).add(k);
        config.put("data_format", "channels_last");
        return layer("MaxPooling2D", config);
    }

    /**
     * Keras Flatten; on an already flat input (which TF.js's Flatten rejects: it wants rank >= 3) a
     * Reshape to the same size under the layer's name.
     */
    static ObjectNode flatten(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        if (inputShape.length == 1) {
            return reshape(layer.name(), inputShape);
        }
        ObjectNode config = common(layer.name());
        config.put("data_format", "channels_last");
        return layer("Flatten", config);
    }

    static ObjectNode dropout(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        ObjectNode config = common(layer.name());
        config.put("rate", ((LayerSpec.Dropout) layer.spec()).rate());
        config.putNull("noise_shape");
        config.putNull("seed");
        return layer("Dropout", config);
    }

    static ObjectNode input(int inputSize) {
        ObjectNode config = JSON.objectNode();
        config.putArray("batch_input_shape").addNull().add(inputSize);
        config.put("dtype", "float32");
        config.put("sparse", false);
        config.put("ragged", false);
        config.put("name", "input");
        return layer("InputLayer", config);
    }

    static ObjectNode reshape(String name, int[] targetShape) {
        ObjectNode config = common(name);
        var target = config.putArray("target_shape");
        for (int d : targetShape) {
            target.add(d);
        }
        return layer("Reshape", config);
    }

    static ObjectNode softmax(String name) {
        ObjectNode config = common(name);
        config.put("activation", "softmax");
        return layer("Activation", config);
    }

    private static ObjectNode common(String name) {
        ObjectNode config = JSON.objectNode();
        config.put("name", name);
        config.put("trainable", true);
        config.put("dtype", "float32");
        return config;
    }

    private static void weighted(ObjectNode config) {
        config.put("use_bias", true);
        ObjectNode kernelInit = config.putObject("kernel_initializer");
        kernelInit.put("class_name", "GlorotUniform");
        kernelInit.putObject("config").putNull("seed");
        ObjectNode biasInit = config.putObject("bias_initializer");
        biasInit.put("class_name", "Zeros");
        biasInit.putObject("config");
        config.putNull("kernel_regularizer");
        config.putNull("bias_regularizer");
        config.putNull("activity_regularizer");
        config.putNull("kernel_constraint");
        config.putNull("bias_constraint");
    }

    private static ObjectNode layer(String className, ObjectNode config) {
        ObjectNode node = JSON.objectNode();
        node.put("class_name", className);
        node.set("config", config);
        return node;
    }
}
