package io.distillery.serve.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Int64Value;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.distillery.serve.api.ModelSpec;
import io.distillery.serve.api.SignatureDefMap;
import io.distillery.serve.inference.ModelMetadata;
import io.distillery.serve.model.VersionReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The JSON of the status and metadata endpoints, as TF Serving prints its protos: proto field names,
 * fields at their default value included, int64 as strings.
 * <pre>{@code
 * GET /v1/models/m           {"model_version_status": [{"version": "2", "state": "AVAILABLE",
 *                              "status": {"error_code": "OK", "error_message": ""}}]}
 * GET /v1/models/m/metadata  {"model_spec": {"name": "m", "signature_name": "", "version": "2"},
 *                             "metadata": {"signature_def": {"signature_def": {"serving_default": ...}}}}
 * }</pre>
 */
public final class ModelJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFormat.Printer PROTO = JsonFormat.printer()
            .preservingProtoFieldNames()
            .alwaysPrintFieldsWithNoPresence()
            .omittingInsignificantWhitespace();

    private ModelJson() {}

    /** {@code GetModelStatusResponse} as JSON. */
    public static byte[] status(List<VersionReport> reports) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode list = root.putArray("model_version_status");
        for (VersionReport report : reports) {
            ObjectNode entry = list.addObject();
            entry.put("version", Long.toString(report.version()));
            entry.put("state", report.state().name());
            ObjectNode status = entry.putObject("status");
            status.put("error_code", report.errorCode());
            status.put("error_message", report.errorMessage());
        }
        return bytes(root);
    }

    /** {@code GetModelMetadataResponse} as JSON, the signature map unpacked from its Any as TF Serving does. */
    public static byte[] metadata(ModelMetadata metadata) {
        ModelSpec spec = ModelSpec.newBuilder()
                .setName(metadata.modelName())
                .setVersion(Int64Value.of(metadata.version()))
                .build();
        SignatureDefMap signatures = SignatureDefMap.newBuilder()
                .putAllSignatureDef(metadata.signatureDefs())
                .build();
        try {
            ObjectNode root = MAPPER.createObjectNode();
            root.set("model_spec", MAPPER.readTree(print(spec)));
            root.putObject("metadata").set("signature_def", MAPPER.readTree(print(signatures)));
            return bytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException("re-reading JSON printed in memory failed", e);
        }
    }

    /** {@code {"error": message}}. */
    public static byte[] error(String message) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("error", message);
        return bytes(root);
    }

    private static String print(MessageOrBuilder message) {
        try {
            return PROTO.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("printing " + message.getClass().getSimpleName() + " as JSON failed", e);
        }
    }

    private static byte[] bytes(ObjectNode root) {
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory failed", e);
        }
    }
}
