package io.distillery.serve.grpc;

import com.google.protobuf.ByteString;
import io.distillery.serve.status.ServingException;
import io.distillery.serve.tensor.FloatTensor;
import java.nio.ByteOrder;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Float tensors to and from TensorFlow's {@code TensorProto}. Reads values from {@code tensor_content}
 * (little-endian bytes, what {@code tf.make_tensor_proto} writes) or {@code float_val}, where one value
 * fills the whole tensor as in TensorFlow; writes {@code float_val}, as TF Serving answers.
 */
public final class TensorProtoCodec {

    private TensorProtoCodec() {}

    /** The tensor of input {@code key}; INVALID_ARGUMENT for another dtype, a bad shape or a wrong count. */
    public static FloatTensor decode(String key, TensorProto proto) throws ServingException {
        if (proto.getDtype() != DataType.DT_FLOAT) {
            throw ServingException.invalid(
                    "input '" + key + "' is " + proto.getDtype() + "; the signature expects" + " DT_FLOAT");
        }
        TensorShapeProto shapeProto = proto.getTensorShape();
        if (shapeProto.getUnknownRank()) {
            throw ServingException.invalid("input '" + key + "' has an unknown rank; give its shape");
        }
        long[] shape = shapeProto.getDimList().stream()
                .mapToLong(TensorShapeProto.Dim::getSize)
                .toArray();
        long count;
        try {
            count = FloatTensor.elementCount(shape);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw ServingException.invalid("input '" + key + "': " + e.getMessage());
        }
        float[] values = new float[(int) count];
        ByteString content = proto.getTensorContent();
        if (!content.isEmpty()) {
            if (content.size() != count * Float.BYTES) {
                throw ServingException.invalid("input '" + key + "' of shape " + text(shape) + " needs "
                        + count * Float.BYTES + " bytes of tensor_content, found " + content.size());
            }
            content.asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(values);
        } else if (proto.getFloatValCount() == count) {
            for (int i = 0; i < count; i++) {
                values[i] = proto.getFloatVal(i);
            }
        } else if (proto.getFloatValCount() == 1) {
            java.util.Arrays.fill(values, proto.getFloatVal(0));
        } else {
            throw ServingException.invalid("input '" + key + "' of shape " + text(shape) + " holds " + count
                    + " values, found " + proto.getFloatValCount() + " in float_val");
        }
        return new FloatTensor(shape, values);
    }

    /** A {@code DT_FLOAT} TensorProto with the values in {@code float_val}. */
    public static TensorProto encode(FloatTensor tensor) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : tensor.shape()) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        TensorProto.Builder proto =
                TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape);
        for (float v : tensor.values()) {
            proto.addFloatVal(v);
        }
        return proto.build();
    }

    private static String text(long[] shape) {
        return java.util.Arrays.toString(shape).replace(" ", "");
    }
}
