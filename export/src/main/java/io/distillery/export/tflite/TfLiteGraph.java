package io.distillery.export.tflite;

import io.distillery.core.model.ModelSpec;
import io.distillery.export.CheckedWeights;
import io.distillery.export.GraphShapes;
import java.util.List;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptions;
import org.tensorflow.lite.schema.SoftmaxOptionsT;

/**
 * Walks a spec's layers through a {@link TfLiteMapping} and an encoding into one flatbuffer: input
 * {@code [batch, inputSize]} named {@code input}, a RESHAPE to NHWC when the spec's input is {@code
 * [H, W, C]} (as core's graph does), the layers, and SOFTMAX into {@code probabilities}.
 */
final class TfLiteGraph {
    private TfLiteGraph() {}

    static byte[] build(ModelSpec spec, CheckedWeights weights, TensorEncoding encoding, TfLiteMapping mapping) {
        List<ModelSpec.NamedLayer> layers = spec.namedLayers();
        // Resolve every layer's mapping before writing anything.
        List<LayerEmitter> emitters = layers.stream()
                .map(layer -> mapping.emitter(layer, encoding.format()))
                .toList();

        TfLiteModelBuilder model = new TfLiteModelBuilder();
        int input = encoding.input(model, spec.inputSize());
        int x = input;
        int[] shape = GraphShapes.of(spec.inputShape());
        if (shape.length == 3) {
            x = TfLiteLayers.reshape(model, encoding, "input_nhwc", x, shape);
        }
        List<int[]> shapes = spec.outputShapes();
        int[] outputs = new int[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            ModelSpec.Shortcut shortcut =
                    layers.get(i).spec() instanceof io.distillery.core.model.LayerSpec.Add ? spec.shortcut(i) : null;
            LayerEmitter.Step step = new LayerEmitter.Step(
                    model,
                    encoding,
                    mapping,
                    weights,
                    layers.get(i),
                    i,
                    x,
                    shape,
                    shapes.get(i),
                    i == layers.size() - 1,
                    shortcut == null ? -1 : outputs[shortcut.from()],
                    shortcut);
            x = emitters.get(i).emit(step);
            outputs[i] = x;
            shape = GraphShapes.of(shapes.get(i));
        }
        int probabilities = encoding.probabilities(model, spec.numClasses());
        SoftmaxOptionsT softmax = new SoftmaxOptionsT();
        softmax.setBeta(1f);
        model.operator(
                BuiltinOperator.SOFTMAX,
                encoding.version(BuiltinOperator.SOFTMAX),
                new int[] {x},
                new int[] {probabilities},
                TfLiteLayers.union(BuiltinOptions.SoftmaxOptions, softmax));
        return model.finish(input, probabilities, "Distillery " + encoding.format() + ": " + spec);
    }
}
