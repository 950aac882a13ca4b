package io.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.distillery.serve.api.GetModelMetadataRequest;
import io.distillery.serve.api.GetModelMetadataResponse;
import io.distillery.serve.api.ModelSpec;
import io.distillery.serve.api.PredictRequest;
import io.distillery.serve.api.PredictResponse;
import io.distillery.serve.api.PredictionServiceGrpc;
import io.distillery.serve.api.SignatureDefMap;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorProto;

/**
 * The generated serving messages use TF Java's own TensorProto and SignatureDef (not the import-only
 * stand-ins in src/main/proto-imports), and carry TF Serving's names and field numbers.
 */
class TfProtoLinkTest {

    @Test
    void tensorsAndSignaturesAreTfJavasOwnMessages() {
        assertSame(TensorProto.getDescriptor(), mapValue(PredictRequest.getDescriptor(), "inputs"));
        assertSame(TensorProto.getDescriptor(), mapValue(PredictResponse.getDescriptor(), "outputs"));
        assertSame(SignatureDef.getDescriptor(), mapValue(SignatureDefMap.getDescriptor(), "signature_def"));
        assertEquals(18, TensorProto.getDescriptor().getFields().size(), "TF Java's TensorProto has all its fields");
    }

    @Test
    void namesAndFieldNumbersAreTfServings() {
        assertEquals("tensorflow.serving.PredictionService", PredictionServiceGrpc.SERVICE_NAME);
        assertEquals(
                "tensorflow.serving.PredictRequest",
                PredictRequest.getDescriptor().getFullName());
        assertNumbers(PredictRequest.getDescriptor(), "model_spec", 1, "inputs", 2, "output_filter", 3);
        assertNumbers(PredictResponse.getDescriptor(), "outputs", 1, "model_spec", 2);
        assertNumbers(ModelSpec.getDescriptor(), "name", 1, "version", 2, "signature_name", 3, "version_label", 4);
        assertNumbers(GetModelMetadataRequest.getDescriptor(), "model_spec", 1, "metadata_field", 2);
        assertNumbers(GetModelMetadataResponse.getDescriptor(), "model_spec", 1, "metadata", 2);
        assertNumbers(SignatureDefMap.getDescriptor(), "signature_def", 1);
        assertEquals(
                "google.protobuf.Int64Value",
                ModelSpec.getDescriptor()
                        .findFieldByName("version")
                        .getMessageType()
                        .getFullName());
    }

    private static Descriptor mapValue(Descriptor message, String field) {
        return message.findFieldByName(field)
                .getMessageType()
                .findFieldByName("value")
                .getMessageType();
    }

    private static void assertNumbers(Descriptor message, Object... nameNumber) {
        assertEquals(nameNumber.length / 2, message.getFields().size(), message.getFullName() + " fields");
        for (int i = 0; i < nameNumber.length; i += 2) {
            FieldDescriptor field = message.findFieldByName((String) nameNumber[i]);
            assertEquals(nameNumber[i + 1], field.getNumber(), message.getFullName() + "." + nameNumber[i]);
        }
    }
}
