package io.distillery.export.tflite;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import io.distillery.export.CheckedWeights;

/** Writes one kind of layer as TFLite operators. */
@FunctionalInterface
interface LayerEmitter {

    /** Adds the layer's tensors and operators; returns the tensor holding its output. */
    int emit(Step step);

    /**
     * One layer to emit and everything around it.
     *
     * @param index the layer's position in the spec (its calibrated output range)
     * @param input the tensor holding the layer's input
     * @param inputShape that tensor's shape without batch
     * @param outputShape the layer's output shape without batch
     * @param logits whether the output is the model's logits (the last layer)
     * @param shortcutTensor for an add layer, the tensor holding its block's input; else -1
     * @param shortcut for an add layer, where that input comes from and whether it is projected; else null
     */
    record Step(
            TfLiteModelBuilder model,
            TensorEncoding encoding,
            TfLiteMapping mapping,
            CheckedWeights weights,
            ModelSpec.NamedLayer layer,
            int index,
            int input,
            int[] inputShape,
            int[] outputShape,
            boolean logits,
            int shortcutTensor,
            ModelSpec.Shortcut shortcut) {

        /** The output tensor's name: the layer's, or {@code logits} for the last one. */
        String outputName() {
            return logits ? "logits" : layer.name();
        }

        /** The fused activation for {@code activation}, or an error naming this layer and the format. */
        byte fused(LayerSpec.Activation activation) {
            return mapping.fusedActivation(layer, activation, encoding.format());
        }
    }
}
