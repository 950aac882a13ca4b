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
        weighted(config, "kernel");
        return layer("Dense", config);
    }

    static ObjectNode conv2d(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        LayerSpec.Conv2D conv = (LayerSpec.Conv2D) layer.spec();
        ObjectNode config = common(layer.name());
        config.put("filters", conv.filters());
        config.putArray("kernel_size").add(conv.kernelSize()).add(conv.kernelSize());
        config.putArray("strides").add(conv.stride()).add(conv.stride());
        config.put("padding", padding(conv.padding()));
        config.put("data_format", "channels_last");
        config.putArray("dilation_rate").add(1).add(1);
        config.put("activation", mapping.activation(layer, conv.activation()));
        weighted(config, "kernel");
        return layer("Conv2D", config);
    }

    /** Keras DepthwiseConv2D: its kernel is the weight {@code depthwise_kernel} ({@link TfjsWriter}). */
    static ObjectNode depthwiseConv2d(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        LayerSpec.DepthwiseConv2D conv = (LayerSpec.DepthwiseConv2D) layer.spec();
        ObjectNode config = common(layer.name());
        config.putArray("kernel_size").add(conv.kernelSize()).add(conv.kernelSize());
        config.putArray("strides").add(conv.stride()).add(conv.stride());
        config.put("padding", padding(conv.padding()));
        config.put("depth_multiplier", conv.multiplier());
        config.put("data_format", "channels_last");
        config.putArray("dilation_rate").add(1).add(1);
        config.put("activation", mapping.activation(layer, conv.activation()));
        weighted(config, "depthwise");
        return layer("DepthwiseConv2D", config);
    }

    /** Keras BatchNormalization over the last axis (its activation is a layer of its own: {@link #activation}). */
    static ObjectNode batchNorm(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        LayerSpec.BatchNorm bn = (LayerSpec.BatchNorm) layer.spec();
        mapping.activation(layer, bn.activation()); // an unmapped activation fails here, before any I/O
        ObjectNode config = common(layer.name());
        config.put("axis", -1);
        config.put("momentum", bn.momentum());
        config.put("epsilon", bn.epsilon());
        config.put("center", true);
        config.put("scale", true);
        String[][] initializers = {
            {"beta_initializer", "Zeros"},
            {"gamma_initializer", "Ones"},
            {"moving_mean_initializer", "Zeros"},
            {"moving_variance_initializer", "Ones"}
        };
        for (String[] init : initializers) {
            ObjectNode node = config.putObject(init[0]);
            node.put("class_name", init[1]);
            node.putObject("config");
        }
        for (String key :
                new String[] {"beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"}) {
            config.putNull(key);
        }
        return layer("BatchNormalization", config);
    }

    /** A Keras Activation layer, e.g. after batch norm. */
    static ObjectNode activation(String name, String activation) {
        ObjectNode config = common(name);
        config.put("activation", activation);
        return layer("Activation", config);
    }

    static ObjectNode avgPool(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        return pool("AveragePooling2D", layer.name(), ((LayerSpec.AvgPool2D) layer.spec()).poolSize());
    }

    static ObjectNode globalAvgPool(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        ObjectNode config = common(layer.name());
        config.put("data_format", "channels_last");
        config.put("keepdims", false);
        return layer("GlobalAveragePooling2D", config);
    }

    private static String padding(LayerSpec.Padding padding) {
        return padding == LayerSpec.Padding.SAME ? "same" : "valid";
    }

    static ObjectNode maxPool(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        return pool("MaxPooling2D", layer.name(), ((LayerSpec.MaxPool2D) layer.spec()).poolSize());
    }

    private static ObjectNode pool(String className, String name, int k) {
        ObjectNode config = common(name);
        config.putArray("pool_size").add(k).add(k);
        config.put("padding", "valid");
        config.putArray("strides").add(k).add(k);
        config.put("data_format", "channels_last");
        return layer(className, config);
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

    /** No Keras layer: a residual block's start only marks the tensor its {@link #add} reads. */
    static ObjectNode residual(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        return null;
    }

    /**
     * Keras Add of a residual block's output and its shortcut (the writer wires both inputs, adds the
     * projection before it and the activation after it: {@link TfjsWriter}).
     */
    static ObjectNode add(ModelSpec.NamedLayer layer, int[] inputShape, TfjsMapping mapping) {
        mapping.activation(layer, ((LayerSpec.Add) layer.spec()).activation()); // fails before any I/O
        return layer("Add", common(layer.name()));
    }

    /** A residual shortcut's 1×1 projection: a Conv2D with the block's stride, or a Dense on flat data. */
    static ObjectNode projection(String name, ModelSpec.Shortcut shortcut, int filters) {
        ObjectNode config = common(name);
        if (shortcut.shape().length == 1) {
            config.put("units", filters);
            config.put("activation", "linear");
            weighted(config, "kernel");
            return layer("Dense", config);
        }
        config.put("filters", filters);
        config.putArray("kernel_size").add(1).add(1);
        config.putArray("strides").add(shortcut.stride()).add(shortcut.stride());
        config.put("padding", "same");
        config.put("data_format", "channels_last");
        config.putArray("dilation_rate").add(1).add(1);
        config.put("activation", "linear");
        weighted(config, "kernel");
        return layer("Conv2D", config);
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
        return activation(name, "softmax");
    }

    private static ObjectNode common(String name) {
        ObjectNode config = JSON.objectNode();
        config.put("name", name);
        config.put("trainable", true);
        config.put("dtype", "float32");
        return config;
    }

    /** A bias and a kernel whose Keras keys start with {@code kernel} ({@code kernel_initializer}, ...). */
    private static void weighted(ObjectNode config, String kernel) {
        config.put("use_bias", true);
        ObjectNode kernelInit = config.putObject(kernel + "_initializer");
        kernelInit.put("class_name", "GlorotUniform");
        kernelInit.putObject("config").putNull("seed");
        ObjectNode biasInit = config.putObject("bias_initializer");
        biasInit.put("class_name", "Zeros");
        biasInit.putObject("config");
        config.putNull(kernel + "_regularizer");
        config.putNull("bias_regularizer");
        config.putNull("activity_regularizer");
        config.putNull(kernel + "_constraint");
        config.putNull("bias_constraint");
    }

    private static ObjectNode layer(String className, ObjectNode config) {
        ObjectNode node = JSON.objectNode();
        node.put("class_name", className);
        node.set("config", config);
        return node;
    }
}
