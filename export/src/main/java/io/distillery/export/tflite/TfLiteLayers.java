package io.distillery.export.tflite;

import io.distillery.core.model.LayerSpec;
import org.tensorflow.lite.schema.ActivationFunctionType;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptions;
import org.tensorflow.lite.schema.BuiltinOptionsUnion;
import org.tensorflow.lite.schema.Conv2DOptionsT;
import org.tensorflow.lite.schema.FullyConnectedOptionsT;
import org.tensorflow.lite.schema.FullyConnectedOptionsWeightsFormat;
import org.tensorflow.lite.schema.Padding;
import org.tensorflow.lite.schema.Pool2DOptionsT;
import org.tensorflow.lite.schema.ReshapeOptionsT;
import org.tensorflow.lite.schema.TensorType;

/** The TFLite emitters of each layer kind, referenced from {@link TfLiteMapping#DEFAULT}. */
final class TfLiteLayers {
    private TfLiteLayers() {}

    /** FULLY_CONNECTED with fused activation; the kernel {@code [in, out]} is stored {@code [out, in]}. */
    static int dense(LayerEmitter.Step step) {
        LayerSpec.Dense dense = (LayerSpec.Dense) step.layer().spec();
        byte fused = step.fused(dense.activation());
        String name = step.layer().name();
        float[] kernel = step.weights().kernel(name).values();
        int in = step.inputShape()[0];
        int out = dense.units();
        float[] outIn = new float[kernel.length];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                outIn[o * in + i] = kernel[i * out + o];
            }
        }
        TfLiteModelBuilder model = step.model();
        TensorEncoding enc = step.encoding();
        // TFLite 2.6's int8 FULLY_CONNECTED reads a single weight scale: per tensor.
        int weights = enc.weights(model, name + "/kernel", new int[] {out, in}, outIn, false);
        int bias = enc.bias(model, name + "/bias", step.weights().bias(name).values(), step.input(), weights);
        int output = enc.layerOutput(model, step.outputName(), new int[] {out}, step.index());

        FullyConnectedOptionsT options = new FullyConnectedOptionsT();
        options.setFusedActivationFunction(fused);
        options.setWeightsFormat(FullyConnectedOptionsWeightsFormat.DEFAULT);
        options.setKeepNumDims(false);
        model.operator(
                BuiltinOperator.FULLY_CONNECTED,
                enc.version(BuiltinOperator.FULLY_CONNECTED),
                new int[] {step.input(), weights, bias},
                new int[] {output},
                union(BuiltinOptions.FullyConnectedOptions, options));
        return output;
    }

    /** CONV_2D, stride 1, fused activation; the HWIO kernel is stored OHWI. */
    static int conv2d(LayerEmitter.Step step) {
        LayerSpec.Conv2D conv = (LayerSpec.Conv2D) step.layer().spec();
        byte fused = step.fused(conv.activation());
        String name = step.layer().name();
        float[] hwio = step.weights().kernel(name).values();
        int k = conv.kernelSize();
        int in = step.inputShape()[2];
        int out = conv.filters();
        float[] ohwi = new float[hwio.length];
        for (int h = 0; h < k; h++) {
            for (int w = 0; w < k; w++) {
                for (int i = 0; i < in; i++) {
                    for (int o = 0; o < out; o++) {
                        ohwi[((o * k + h) * k + w) * in + i] = hwio[((h * k + w) * in + i) * out + o];
                    }
                }
            }
        }
        TfLiteModelBuilder model = step.model();
        TensorEncoding enc = step.encoding();
        int weights = enc.weights(model, name + "/kernel", new int[] {out, k, k, in}, ohwi, true);
        int bias = enc.bias(model, name + "/bias", step.weights().bias(name).values(), step.input(), weights);
        int output = enc.layerOutput(model, step.outputName(), step.outputShape(), step.index());

        Conv2DOptionsT options = new Conv2DOptionsT();
        options.setPadding(
                switch (conv.padding()) {
                    case SAME -> Padding.SAME;
                    case VALID -> Padding.VALID;
                });
        options.setStrideH(1);
        options.setStrideW(1);
        options.setDilationHFactor(1);
        options.setDilationWFactor(1);
        options.setFusedActivationFunction(fused);
        model.operator(
                BuiltinOperator.CONV_2D,
                enc.version(BuiltinOperator.CONV_2D),
                new int[] {step.input(), weights, bias},
                new int[] {output},
                union(BuiltinOptions.Conv2DOptions, options));
        return output;
    }

    /** MAX_POOL_2D, window = stride = pool size, VALID. */
    static int maxPool(LayerEmitter.Step step) {
        LayerSpec.MaxPool2D pool = (LayerSpec.MaxPool2D) step.layer().spec();
        TfLiteModelBuilder model = step.model();
        TensorEncoding enc = step.encoding();
        int output = enc.sameAs(model, step.outputName(), step.outputShape(), step.input());
        Pool2DOptionsT options = new Pool2DOptionsT();
        options.setPadding(Padding.VALID);
        options.setStrideH(pool.poolSize());
        options.setStrideW(pool.poolSize());
        options.setFilterHeight(pool.poolSize());
        options.setFilterWidth(pool.poolSize());
        options.setFusedActivationFunction(ActivationFunctionType.NONE);
        model.operator(
                BuiltinOperator.MAX_POOL_2D,
                enc.version(BuiltinOperator.MAX_POOL_2D),
                new int[] {step.input()},
                new int[] {output},
                union(BuiltinOptions.Pool2DOptions, options));
        return output;
    }

    /** RESHAPE to {@code [-1, n]}; an already flat input passes through. */
    static int flatten(LayerEmitter.Step step) {
        if (step.inputShape().length == 1) {
            return step.input();
        }
        return reshape(step.model(), step.encoding(), step.outputName(), step.input(), step.outputShape());
    }

    /** The identity at inference: no operator. */
    static int dropout(LayerEmitter.Step step) {
        return step.input();
    }

    /** RESHAPE of a batched tensor to {@code [-1, shape...]}, with the shape as a constant input. */
    static int reshape(TfLiteModelBuilder model, TensorEncoding enc, String name, int input, int[] shape) {
        int[] target = TensorEncoding.batched(shape, -1);
        int shapeTensor = model.constant(
                name + "/shape",
                TensorType.INT32,
                new int[] {target.length},
                TfLiteModelBuilder.littleEndian(target),
                null);
        int output = enc.sameAs(model, name, shape, input);
        ReshapeOptionsT options = new ReshapeOptionsT();
        options.setNewShape(target);
        model.operator(
                BuiltinOperator.RESHAPE,
                enc.version(BuiltinOperator.RESHAPE),
                new int[] {input, shapeTensor},
                new int[] {output},
                union(BuiltinOptions.ReshapeOptions, options));
        return output;
    }

    static BuiltinOptionsUnion union(byte type, Object options) {
        BuiltinOptionsUnion union = new BuiltinOptionsUnion();
        union.setType(type);
        union.setValue(options);
        return union;
    }
}
