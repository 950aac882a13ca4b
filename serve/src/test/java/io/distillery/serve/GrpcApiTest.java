package io.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import io.distillery.serve.api.GetModelMetadataRequest;
import io.distillery.serve.api.GetModelMetadataResponse;
import io.distillery.serve.api.ModelSpec;
import io.distillery.serve.api.PredictRequest;
import io.distillery.serve.api.PredictResponse;
import io.distillery.serve.api.PredictionServiceGrpc;
import io.distillery.serve.api.SignatureDefMap;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/** Point 2: TF Serving's gRPC PredictionService answers what REST answers. */
class GrpcApiTest {
    static final long SEED = 21;

    @TempDir
    static Path tmp;

    static ModelServer server;
    static ManagedChannel channel;
    static PredictionServiceGrpc.PredictionServiceBlockingStub stub;

    @BeforeAll
    static void start() throws Exception {
        URI model = TestModels.modelUri(tmp.resolve("models"), "fashion");
        TestModels.publish(model, SEED, tmp);
        server = ModelServer.start(
                ServeOptions.of(model).withEndpoints(new Endpoints("127.0.0.1", 0, OptionalInt.of(0))),
                new Configuration());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort().orElseThrow())
                .usePlaintext()
                .build();
        stub = PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.close();
    }

    @Test
    void predictEqualsRestAndTfJava() throws Exception {
        float[] x = TestModels.features(1, 7);
        PredictRequest request = PredictRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("fashion").setSignatureName("serving_default"))
                .putInputs("input", floatVal(x, 1))
                .build();

        PredictResponse response = stub.predict(request);

        TensorProto probabilities = response.getOutputsOrThrow("probabilities");
        assertEquals(DataType.DT_FLOAT, probabilities.getDtype());
        assertEquals(2, probabilities.getTensorShape().getDimCount());
        assertEquals(1, probabilities.getTensorShape().getDim(0).getSize());
        assertEquals(10, probabilities.getTensorShape().getDim(1).getSize());
        float[] grpc = values(probabilities);
        Http.Answer rest =
                new Http(server.restPort()).post("/v1/models/fashion:predict", TestModels.instancesJson(x, 1));
        assertArrayEquals(RestApiTest.floats(rest.json().get("predictions")), grpc);
        assertArrayEquals(TestModels.reference(SEED, x, 1), grpc);
        assertEquals(
                ModelSpec.newBuilder()
                        .setName("fashion")
                        .setVersion(Int64Value.of(1))
                        .setSignatureName("serving_default")
                        .build(),
                response.getModelSpec());
    }

    @Test
    void tensorContentAsMakeTensorProtoWritesItAndAVersionAndAFilter() {
        float[] x = TestModels.features(2, 8);
        ByteBuffer bytes = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(x);
        TensorProto input = TensorProto.newBuilder()
                .setDtype(DataType.DT_FLOAT)
                .setTensorShape(shape(2, TestModels.FEATURES))
                .setTensorContent(ByteString.copyFrom(bytes))
                .build();

        PredictResponse response = stub.predict(PredictRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("fashion").setVersion(Int64Value.of(1)))
                .putInputs("input", input)
                .addOutputFilter("probabilities")
                .build());

        assertArrayEquals(TestModels.reference(SEED, x, 2), values(response.getOutputsOrThrow("probabilities")), 1e-6f);
    }

    @Test
    void metadataIsTheSignatureDefMapInAnAny() throws Exception {
        GetModelMetadataResponse response = stub.getModelMetadata(GetModelMetadataRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("fashion"))
                .addMetadataField("signature_def")
                .build());

        assertEquals(1, response.getModelSpec().getVersion().getValue());
        SignatureDefMap map = response.getMetadataOrThrow("signature_def").unpack(SignatureDefMap.class);
        SignatureDef signature = map.getSignatureDefOrThrow("serving_default");
        assertEquals("tensorflow/serving/predict", signature.getMethodName());
        assertEquals(DataType.DT_FLOAT, signature.getInputsOrThrow("input").getDtype());
        assertEquals(
                784,
                signature.getInputsOrThrow("input").getTensorShape().getDim(1).getSize());
    }

    @Test
    void failuresAreGrpcStatusesWithMessages() {
        StatusRuntimeException unknown = assertThrows(
                StatusRuntimeException.class,
                () -> stub.predict(PredictRequest.newBuilder()
                        .setModelSpec(ModelSpec.newBuilder().setName("other"))
                        .putInputs("input", floatVal(TestModels.features(1, 1), 1))
                        .build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());

        StatusRuntimeException dtype = assertThrows(
                StatusRuntimeException.class,
                () -> stub.predict(PredictRequest.newBuilder()
                        .setModelSpec(ModelSpec.newBuilder().setName("fashion"))
                        .putInputs(
                                "input",
                                TensorProto.newBuilder()
                                        .setDtype(DataType.DT_INT32)
                                        .setTensorShape(shape(1, 784))
                                        .addIntVal(1)
                                        .build())
                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, dtype.getStatus().getCode());
        assertTrue(
                dtype.getStatus().getDescription().contains("DT_INT32"),
                dtype.getStatus().getDescription());

        StatusRuntimeException shape = assertThrows(
                StatusRuntimeException.class,
                () -> stub.predict(PredictRequest.newBuilder()
                        .setModelSpec(ModelSpec.newBuilder().setName("fashion"))
                        .putInputs(
                                "input",
                                floatVal(new float[5], 1).toBuilder()
                                        .setTensorShape(shape(1, 5))
                                        .build())
                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, shape.getStatus().getCode());
        assertTrue(shape.getStatus().getDescription().contains("has shape [-1,784], found [1,5]"));

        StatusRuntimeException field = assertThrows(
                StatusRuntimeException.class,
                () -> stub.getModelMetadata(GetModelMetadataRequest.newBuilder()
                        .setModelSpec(ModelSpec.newBuilder().setName("fashion"))
                        .addMetadataField("graph")
                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, field.getStatus().getCode());
    }

    static TensorProto floatVal(float[] x, int rows) {
        TensorProto.Builder proto =
                TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(rows, x.length / rows));
        for (float v : x) {
            proto.addFloatVal(v);
        }
        return proto.build();
    }

    static TensorShapeProto shape(long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return shape.build();
    }

    static float[] values(TensorProto proto) {
        float[] out = new float[proto.getFloatValCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = proto.getFloatVal(i);
        }
        return out;
    }
}
