package io.distillery.jobs.faults;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.lite.schema.Model;
import org.tensorflow.lite.schema.Operator;
import org.tensorflow.lite.schema.SubGraph;
import org.tensorflow.lite.schema.Tensor;
import org.tensorflow.lite.schema.TensorType;

/**
 * Reads a float32 {@code .tflite} file with the schema's own classes (not Distillery's writer) and
 * checks N:M sparsity where a runtime would see it: in the weight buffers of FULLY_CONNECTED ({@code
 * [out, in]}) and CONV_2D ({@code [out, h, w, in]}) operators, whose input axis is innermost.
 */
final class TfLiteGroups {
    private TfLiteGroups() {}

    /** Where a group of {@code m} consecutive inputs holds more than {@code n} non-zeros; empty if none. */
    static List<String> denseViolations(byte[] flatbuffer, int n, int m) {
        Model model = Model.getRootAsModel(ByteBuffer.wrap(flatbuffer));
        SubGraph graph = model.subgraphs(0);
        List<String> out = new ArrayList<>();
        int checked = 0;
        for (int o = 0; o < graph.operatorsLength(); o++) {
            Operator op = graph.operators(o);
            String code = org.tensorflow.lite.schema.BuiltinOperator.name(Math.max(
                    model.operatorCodes((int) op.opcodeIndex()).builtinCode(),
                    model.operatorCodes((int) op.opcodeIndex()).deprecatedBuiltinCode()));
            if (!code.equals("FULLY_CONNECTED") && !code.equals("CONV_2D")) {
                continue;
            }
            Tensor weights = graph.tensors(op.inputs(1));
            if (weights.type() != TensorType.FLOAT32) {
                continue;
            }
            int in = weights.shape(weights.shapeLength() - 1);
            if (in < m) {
                continue; // nothing to group (e.g. a first convolution over one channel)
            }
            ByteBuffer data =
                    model.buffers((int) weights.buffer()).dataAsByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] values = new float[data.remaining() / 4];
            data.asFloatBuffer().get(values);
            checked++;
            for (int row = 0; row < values.length / in; row++) {
                for (int g = 0; g + m <= in; g += m) {
                    int nonZeros = 0;
                    for (int k = 0; k < m; k++) {
                        nonZeros += values[row * in + g + k] != 0f ? 1 : 0;
                    }
                    if (nonZeros > n && out.size() < 5) {
                        out.add(weights.name() + " row " + row + " inputs " + g + ".." + (g + m - 1) + ": " + nonZeros);
                    }
                }
            }
        }
        if (checked == 0) {
            out.add("no float FULLY_CONNECTED or CONV_2D weights found");
        }
        return out;
    }
}
