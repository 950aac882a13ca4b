package io.distillery.serve.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.Int64Value;
import io.distillery.serve.api.GetModelMetadataRequest;
import io.distillery.serve.api.GetModelMetadataResponse;
import io.distillery.serve.api.ModelSpec;
import io.distillery.serve.api.PredictRequest;
import io.distillery.serve.api.PredictResponse;
import io.distillery.serve.api.PredictionServiceGrpc;
import io.distillery.serve.api.SignatureDefMap;
import io.distillery.serve.inference.InferenceService;
import io.distillery.serve.inference.ModelMetadata;
import io.distillery.serve.inference.PredictCall;
import io.distillery.serve.inference.PredictResult;
import io.distillery.serve.inference.RequestInputs;
import io.distillery.serve.metrics.ServeMetrics;
import io.distillery.serve.status.ServingException;
import io.distillery.serve.status.ServingStatus;
import io.distillery.serve.tensor.FloatTensor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import org.tensorflow.proto.TensorProto;

/**
 * {@code tensorflow.serving.PredictionService}: Predict and GetModelMetadata over the same
 * {@link InferenceService} as REST. Failures are gRPC statuses with the same messages REST gives;
 * an unexpected one is logged here and answered INTERNAL without details.
 */
public final class PredictionGrpcService extends PredictionServiceGrpc.PredictionServiceImplBase {
    private static final System.Logger LOG = System.getLogger(PredictionGrpcService.class.getName());
    /** The one metadata field TF Serving supports. */
    static final String SIGNATURE_DEF = "signature_def";

    private final InferenceService service;
    private final ServeMetrics metrics;

    public PredictionGrpcService(InferenceService service, ServeMetrics metrics) {
        this.service = Objects.requireNonNull(service, "service");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public void predict(PredictRequest request, StreamObserver<PredictResponse> observer) {
        answer(observer, "predict", () -> {
            ModelSpec spec = request.getModelSpec();
            Map<String, FloatTensor> inputs = new LinkedHashMap<>();
            for (Map.Entry<String, TensorProto> input : request.getInputsMap().entrySet()) {
                inputs.put(input.getKey(), TensorProtoCodec.decode(input.getKey(), input.getValue()));
            }
            PredictResult result = service.predict(new PredictCall(
                    spec.getName(),
                    version(spec),
                    spec.getSignatureName(),
                    RequestInputs.named(inputs),
                    request.getOutputFilterList()));
            PredictResponse.Builder response = PredictResponse.newBuilder()
                    .setModelSpec(answeredSpec(result.modelName(), result.version(), result.signatureName()));
            result.outputs().forEach((key, tensor) -> response.putOutputs(key, TensorProtoCodec.encode(tensor)));
            return response.build();
        });
    }

    @Override
    public void getModelMetadata(GetModelMetadataRequest request, StreamObserver<GetModelMetadataResponse> observer) {
        answer(observer, "metadata", () -> {
            if (request.getMetadataFieldCount() == 0) {
                throw ServingException.invalid("GetModelMetadataRequest must specify at least one metadata_field;"
                        + " supported: " + SIGNATURE_DEF);
            }
            for (String field : request.getMetadataFieldList()) {
                if (!field.equals(SIGNATURE_DEF)) {
                    throw ServingException.invalid(
                            "Metadata field " + field + " is not supported; supported: " + SIGNATURE_DEF);
                }
            }
            ModelSpec spec = request.getModelSpec();
            ModelMetadata metadata = service.metadata(spec.getName(), version(spec));
            SignatureDefMap signatures = SignatureDefMap.newBuilder()
                    .putAllSignatureDef(metadata.signatureDefs())
                    .build();
            return GetModelMetadataResponse.newBuilder()
                    .setModelSpec(answeredSpec(metadata.modelName(), metadata.version(), ""))
                    .putMetadata(SIGNATURE_DEF, Any.pack(signatures))
                    .build();
        });
    }

    /** What one call answers, or the ServingException to answer with. */
    @FunctionalInterface
    private interface Call<T> {
        T answer() throws ServingException;
    }

    /**
     * Sends {@code call}'s answer and counts it; a ServingException becomes its gRPC status, anything else
     * is logged and answered INTERNAL without details.
     */
    private <T> void answer(StreamObserver<T> observer, String method, Call<T> call) {
        long started = System.nanoTime();
        try {
            observer.onNext(call.answer());
            observer.onCompleted();
            metrics.request("grpc", method, System.nanoTime() - started, null);
        } catch (ServingException e) {
            Status.Code code = e.status().grpcCode();
            metrics.request("grpc", method, System.nanoTime() - started, code.name());
            observer.onError(
                    Status.fromCode(code).withDescription(e.getMessage()).asRuntimeException());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "gRPC " + method + " failed", e);
            metrics.request("grpc", method, System.nanoTime() - started, Status.Code.INTERNAL.name());
            observer.onError(Status.INTERNAL
                    .withDescription("internal server error; the server log has the details")
                    .asRuntimeException());
        }
    }

    private static OptionalLong version(ModelSpec spec) throws ServingException {
        if (spec.hasVersionLabel()) {
            throw new ServingException(
                    ServingStatus.UNIMPLEMENTED,
                    "version labels are not supported by distillery" + " serve; set model_spec.version");
        }
        return spec.hasVersion() ? OptionalLong.of(spec.getVersion().getValue()) : OptionalLong.empty();
    }

    private static ModelSpec answeredSpec(String name, long version, String signature) {
        return ModelSpec.newBuilder()
                .setName(name)
                .setVersion(Int64Value.of(version))
                .setSignatureName(signature)
                .build();
    }
}
