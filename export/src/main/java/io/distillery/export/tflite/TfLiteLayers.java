package io.distillery.export.tflite;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import org.tensorflow.lite.schema.ActivationFunctionType;
import org.tensorflow.lite.schema.AddOptionsT;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptions;
import org.tensorflow.lite.schema.BuiltinOptionsUnion;
import org.tensorflow.lite.schema.Conv2DOptionsT;
import org.tensorflow.lite.schema.DepthwiseConv2DOptionsT;
import org.tensorflow.lite.schema.FullyConnectedOptionsT;
import org.tensorflow.lite.schema.FullyConnectedOptionsWeightsFormat;
import org.tensorflow.lite.schema.Padding;
import org.tensorflow.lite.schema.Pool2DOptionsT;
import org.tensorflow.lite.schema.ReducerOptionsT;
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
        int in = step.inputShape()[0];
        int out = dense.units();
        float[] outIn = outputMajor(step.weights().kernel(name).values(), in, out);
        TfLiteModelBuilder model = step.model();
        TensorEncoding enc = step.encoding();
        // TFLite 2.6's int8 FULLY_CONNECTED reads a single weight scale: per tensor.
        int weights = enc.weights(model, name + "/kernel", new int[] {out, in}, outIn, -1);
        int bias = enc.bias(model, name + "/bias", step.weights().bias(name).values(), step.input(), weights);
        int output = enc.layerOutput(model, step.outputName(), new int[] {out}, step.index());
        fullyConnected(model, enc, step.input(), weights, bias, output, fused);
        return output;
    }

    /** CONV_2D with fused activation; the HWIO kernel is stored OHWI. */
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
        int weights = enc.weights(model, name + "/kernel", new int[] {out, k, k, in}, ohwi, 0);
        int bias = enc.bias(model, name + "/bias", step.weights().bias(name).values(), step.input(), weights);
        int output = enc.layerOutput(model, step.outputName(), step.outputShape(), step.index());

        conv2d(model, enc, step.input(), weights, bias, output, conv.padding(), conv.stride(), fused);
        return output;
    }

    /**
     * DEPTHWISE_CONV_2D with fused activation. TensorFlow's {@code [k, k, in, multiplier]} kernel is, in
     * memory, TFLite's {@code [1, k, k, in × multiplier]}: output channel {@code c × multiplier + m}.
     */
    static int depthwiseConv2d(LayerEmitter.Step step) {
        LayerSpec.DepthwiseConv2D conv =
                (LayerSpec.DepthwiseConv2D) step.layer().spec();
        byte fused = step.fused(conv.activation());
        String name = step.layer().name();
        int k = conv.kernelSize();
        int channels = step.inputShape()[2] * conv.multiplier();
        TfLiteModelBuilder model = step.model();
        TensorEncoding enc = step.encoding();
        int weights = enc.weights(
                model,
                name + "/kernel",
                new int[] {1, k, k, channels},
                step.weights().kernel(name).values(),
                3);
        int bias = enc.bias(model, name + "/bias", step.weights().bias(name).values(), step.input(), weights);
        int output = enc.layerOutput(model, step.outputName(), step.outputShape(), step.index());
        DepthwiseConv2DOptionsT options = new DepthwiseConv2DOptionsT();
        options.setPadding(conv.padding() == LayerSpec.Padding.SAME ? Padding.SAME : Padding.VALID);
        options.setStrideH(conv.stride());
        options.setStrideW(conv.stride());
        options.setDepthMultiplier(conv.multiplier());
        options.setDilationHFactor(1);
        options.setDilationWFactor(1);
        options.setFusedActivationFunction(fused);
        model.operator(
                BuiltinOperator.DEPTHWISE_CONV_2D,
                enc.version(BuiltinOperator.DEPTHWISE_CONV_2D),
                new int[] {step.input(), weights, bias},
                new int[] {output},
                union(BuiltinOptions.DepthwiseConv2DOptions, options));
        return output;
    }

    /** MAX_POOL_2D, window = stride = pool size, VALID. */
    static int maxPool(LayerEmitter.Step step) {
        return pool(
                step,
                BuiltinOperator.MAX_POOL_2D,
                ((LayerSpec.MaxPool2D) step.layer().spec()).poolSize());
    }

    /** AVERAGE_POOL_2D, window = stride = pool size, VALID; int8 keeps the input's scale, as the kernel wants. */
    static int avgPool(LayerEmitter.Step step) {
        return pool(
                step,
                BuiltinOperator.AVERAGE_POOL_2D,
                ((LayerSpec.AvgPool2D) step.layer().spec()).poolSize());
    }

    private static int pool(LayerEmitter.Step step, int builtin, int size) {
        TfLiteModelBuilder model = step.model();
        TensorEncoding enc = step.encoding();
        int output = enc.sameAs(model, step.outputName(), step.outputShape(), step.input());
        Pool2DOptionsT options = new Pool2DOptionsT();
        options.setPadding(Padding.VALID);
        options.setStrideH(size);
        options.setStrideW(size);
        options.setFilterHeight(size);
        options.setFilterWidth(size);
        options.setFusedActivationFunction(ActivationFunctionType.NONE);
        model.operator(
                builtin,
                enc.version(builtin),
                new int[] {step.input()},
                new int[] {output},
                union(BuiltinOptions.Pool2DOptions, options));
        return output;
    }

    /** MEAN over height and width ({@code axis = [1, 2]}, dimensions dropped); int8 keeps the input's scale. */
    static int globalAvgPool(LayerEmitter.Step step) {
        TfLiteModelBuilder model = step.model();
        TensorEncoding enc = step.encoding();
        int axis = model.constant(
                step.outputName() + "/axis",
                TensorType.INT32,
                new int[] {2},
                TfLiteModelBuilder.littleEndian(new int[] {1, 2}),
                null);
        int output = enc.sameAs(model, step.outputName(), step.outputShape(), step.input());
        ReducerOptionsT options = new ReducerOptionsT();
        options.setKeepDims(false);
        model.operator(
                BuiltinOperator.MEAN,
                enc.version(BuiltinOperator.MEAN),
                new int[] {step.input(), axis},
                new int[] {output},
                union(BuiltinOptions.ReducerOptions, options));
        return output;
    }

    /** RESHAPE to {@code [-1, n]}; an already flat input passes through. */
    static int flatten(LayerEmitter.Step step) {
        if (step.inputShape().length == 1) {
            return step.input();
        }
        return reshape(step.model(), step.encoding(), step.outputName(), step.input(), step.outputShape());
    }

    /** Never emitted: {@link BatchNormFolding} folds every batch norm into the layer before it first. */
    static int batchNorm(LayerEmitter.Step step) {
        throw new IllegalStateException(step.layer().name() + ": batch norm reached the TFLite emitters unfolded");
    }

    /** The identity at inference: no operator. */
    static int dropout(LayerEmitter.Step step) {
        return step.input();
    }

    /** The start of a residual block: no operator (its input is the shortcut the block's add reads). */
    static int residual(LayerEmitter.Step step) {
        return step.input();
    }

    /**
     * ADD of the block's output and its shortcut, with the fused activation; where the block changed the
     * shape, the shortcut is first projected by a 1×1 CONV_2D with the block's stride (FULLY_CONNECTED
     * on flat data). int8 ADD takes inputs at their own scales and rescales them to the output's.
     */
    static int add(LayerEmitter.Step step) {
        LayerSpec.Add add = (LayerSpec.Add) step.layer().spec();
        byte fused = step.fused(add.activation());
        TfLiteModelBuilder model = step.model();
        TensorEncoding enc = step.encoding();
        int shortcut = step.shortcut().projected() ? projection(step) : step.shortcutTensor();
        int output = enc.layerOutput(model, step.outputName(), step.outputShape(), step.index());
        AddOptionsT options = new AddOptionsT();
        options.setFusedActivationFunction(fused);
        model.operator(
                BuiltinOperator.ADD,
                enc.version(BuiltinOperator.ADD),
                new int[] {step.input(), shortcut},
                new int[] {output},
                union(BuiltinOptions.AddOptions, options));
        return output;
    }

    /** The shortcut's 1×1 projection: a {@code [in, out]} matrix either way, stored output-major. */
    private static int projection(LayerEmitter.Step step) {
        ModelSpec.Shortcut s = step.shortcut();
        String name = step.layer().name();
        int in = s.shape()[s.shape().length - 1];
        int out = step.outputShape()[step.outputShape().length - 1];
        float[] outIn = outputMajor(step.weights().kernel(name).values(), in, out);
        TfLiteModelBuilder model = step.model();
        TensorEncoding enc = step.encoding();
        boolean image = s.shape().length == 3;
        int weights = enc.weights(
                model,
                name + "/kernel",
                image ? new int[] {out, 1, 1, in} : new int[] {out, in},
                outIn,
                image ? 0 : -1);
        int bias = enc.bias(model, name + "/bias", step.weights().bias(name).values(), step.shortcutTensor(), weights);
        int output = enc.projectionOutput(model, name + "/projection", step.outputShape(), step.index());
        if (image) {
            conv2d(
                    model,
                    enc,
                    step.shortcutTensor(),
                    weights,
                    bias,
                    output,
                    LayerSpec.Padding.SAME,
                    s.stride(),
                    ActivationFunctionType.NONE);
        } else {
            fullyConnected(model, enc, step.shortcutTensor(), weights, bias, output, ActivationFunctionType.NONE);
        }
        return output;
    }

    /** A {@code [in, out]} matrix, row-major, as {@code [out, in]}: how TFLite stores weights. */
    private static float[] outputMajor(float[] kernel, int in, int out) {
        float[] outIn = new float[kernel.length];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                outIn[o * in + i] = kernel[i * out + o];
            }
        }
        return outIn;
    }

    private static void fullyConnected(
            TfLiteModelBuilder model, TensorEncoding enc, int input, int weights, int bias, int output, byte fused) {
        FullyConnectedOptionsT options = new FullyConnectedOptionsT();
        options.setFusedActivationFunction(fused);
        options.setWeightsFormat(FullyConnectedOptionsWeightsFormat.DEFAULT);
        options.setKeepNumDims(false);
        model.operator(
                BuiltinOperator.FULLY_CONNECTED,
                enc.version(BuiltinOperator.FULLY_CONNECTED),
                new int[] {input, weights, bias},
                new int[] {output},
                union(BuiltinOptions.FullyConnectedOptions, options));
    }

    private static void conv2d(
            TfLiteModelBuilder model,
            TensorEncoding enc,
            int input,
            int weights,
            int bias,
            int output,
            LayerSpec.Padding padding,
            int stride,
            byte fused) {
        Conv2DOptionsT options = new Conv2DOptionsT();
        options.setPadding(padding == LayerSpec.Padding.SAME ? Padding.SAME : Padding.VALID);
        options.setStrideH(stride);
        options.setStrideW(stride);
        options.setDilationHFactor(1);
        options.setDilationWFactor(1);
        options.setFusedActivationFunction(fused);
        model.operator(
                BuiltinOperator.CONV_2D,
                enc.version(BuiltinOperator.CONV_2D),
                new int[] {input, weights, bias},
                new int[] {output},
                union(BuiltinOptions.Conv2DOptions, options));
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
