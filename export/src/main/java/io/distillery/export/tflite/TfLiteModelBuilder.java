package io.distillery.export.tflite;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.lite.schema.BufferT;
import org.tensorflow.lite.schema.BuiltinOptionsUnion;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.OperatorT;
import org.tensorflow.lite.schema.QuantizationParametersT;
import org.tensorflow.lite.schema.SignatureDefT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.TensorMapT;
import org.tensorflow.lite.schema.TensorT;

/**
 * Collects the tensors, constant buffers, operator codes and operators of a single-subgraph TFLite
 * model and serializes it with the schema's Object API. Knows the file conventions (identifier {@code
 * TFL3}, version 3, buffer 0 empty, a {@code serving_default} signature) but nothing about layers.
 */
final class TfLiteModelBuilder {
    static final int SCHEMA_VERSION = 3;
    static final String SIGNATURE_KEY = "serving_default";

    private final List<TensorT> tensors = new ArrayList<>();
    private final List<BufferT> buffers = new ArrayList<>();
    private final List<OperatorCodeT> operatorCodes = new ArrayList<>();
    private final Map<Long, Integer> operatorCodeIndex = new LinkedHashMap<>();
    private final List<OperatorT> operators = new ArrayList<>();

    TfLiteModelBuilder() {
        buffers.add(new BufferT()); // buffer 0: the empty buffer every non-constant tensor points at
    }

    /** Adds a tensor computed at run time, {@code shape} without batch: batch 1, dynamic (-1) in its signature. */
    int activation(String name, byte type, int[] shape, QuantizationParametersT q) {
        return tensor(name, type, TensorEncoding.batched(shape, 1), TensorEncoding.batched(shape, -1), q, 0);
    }

    /** Adds a constant tensor whose bytes (little-endian) are stored in a buffer of their own. */
    int constant(String name, byte type, int[] shape, byte[] data, QuantizationParametersT q) {
        BufferT buffer = new BufferT();
        int[] unsigned = new int[data.length];
        for (int i = 0; i < data.length; i++) {
            unsigned[i] = data[i] & 0xff;
        }
        buffer.setData(unsigned);
        buffers.add(buffer);
        return tensor(name, type, shape, null, q, buffers.size() - 1);
    }

    private int tensor(String name, byte type, int[] shape, int[] signature, QuantizationParametersT q, int buffer) {
        TensorT t = new TensorT();
        t.setName(name);
        t.setType(type);
        t.setShape(shape.clone());
        if (signature != null) {
            t.setShapeSignature(signature.clone());
        }
        t.setBuffer(buffer);
        if (q != null) {
            t.setQuantization(q);
        }
        tensors.add(t);
        return tensors.size() - 1;
    }

    /** The quantization of a tensor added earlier, or null for a float tensor. */
    QuantizationParametersT quantization(int tensor) {
        return tensors.get(tensor).getQuantization();
    }

    /** Adds an operator; operator codes are shared by builtin and version. */
    void operator(int builtin, int version, int[] inputs, int[] outputs, BuiltinOptionsUnion options) {
        long key = ((long) builtin << 32) | version;
        Integer index = operatorCodeIndex.get(key);
        if (index == null) {
            OperatorCodeT code = new OperatorCodeT();
            code.setBuiltinCode(builtin);
            // Readers before the 32-bit builtin_code field use the deprecated byte; 127 means "look further".
            code.setDeprecatedBuiltinCode((byte) Math.min(builtin, 127));
            code.setVersion(version);
            operatorCodes.add(code);
            index = operatorCodes.size() - 1;
            operatorCodeIndex.put(key, index);
        }
        OperatorT op = new OperatorT();
        op.setOpcodeIndex(index);
        op.setInputs(inputs.clone());
        op.setOutputs(outputs.clone());
        op.setBuiltinOptions(options);
        operators.add(op);
    }

    /** Serializes the model with one input and one output, both named in the signature. */
    byte[] finish(int input, int output, String description) {
        SubGraphT graph = new SubGraphT();
        graph.setName("main");
        graph.setTensors(tensors.toArray(new TensorT[0]));
        graph.setInputs(new int[] {input});
        graph.setOutputs(new int[] {output});
        graph.setOperators(operators.toArray(new OperatorT[0]));

        SignatureDefT signature = new SignatureDefT();
        signature.setSignatureKey(SIGNATURE_KEY);
        signature.setSubgraphIndex(0);
        signature.setInputs(new TensorMapT[] {tensorMap(input)});
        signature.setOutputs(new TensorMapT[] {tensorMap(output)});

        ModelT model = new ModelT();
        model.setVersion(SCHEMA_VERSION);
        model.setDescription(description);
        model.setOperatorCodes(operatorCodes.toArray(new OperatorCodeT[0]));
        model.setSubgraphs(new SubGraphT[] {graph});
        model.setBuffers(buffers.toArray(new BufferT[0]));
        model.setSignatureDefs(new SignatureDefT[] {signature});
        return model.serializeToBinary(); // finishes with file identifier TFL3
    }

    private TensorMapT tensorMap(int tensor) {
        TensorMapT map = new TensorMapT();
        map.setName(tensors.get(tensor).getName());
        map.setTensorIndex(tensor);
        return map;
    }

    static byte[] littleEndian(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    static byte[] littleEndian(int[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return b.array();
    }
}
