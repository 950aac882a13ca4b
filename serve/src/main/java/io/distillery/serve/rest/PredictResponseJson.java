package io.distillery.serve.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.distillery.serve.inference.PredictResult;
import io.distillery.serve.status.ServingException;
import io.distillery.serve.tensor.FloatTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes a prediction as TF Serving does. Row format: {@code {"predictions": [row, row, ...]}}, each
 * row the output's values for one instance, or an object by output key when there are several
 * outputs. Columnar format: {@code {"outputs": tensor}}, or an object by output key. Floats are written
 * so that they parse back to the same float; NaN and infinities as the bare tokens TF Serving uses.
 */
public final class PredictResponseJson {
    private static final JsonFactory JSON =
            JsonFactory.builder().disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS).build();

    private PredictResponseJson() {}

    public static byte[] write(PredictResult result, PredictRequestJson.Format format) throws ServingException {
        Map<String, FloatTensor> outputs = result.outputs();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 16 * totalValues(outputs));
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            if (format == PredictRequestJson.Format.ROW) {
                long rows = requireSameRows(outputs);
                json.writeFieldName("predictions");
                json.writeStartArray();
                for (int row = 0; row < rows; row++) {
                    if (outputs.size() == 1) {
                        writeRow(json, outputs.values().iterator().next(), row);
                    } else {
                        json.writeStartObject();
                        for (Map.Entry<String, FloatTensor> output : outputs.entrySet()) {
                            json.writeFieldName(output.getKey());
                            writeRow(json, output.getValue(), row);
                        }
                        json.writeEndObject();
                    }
                }
                json.writeEndArray();
            } else {
                json.writeFieldName("outputs");
                if (outputs.size() == 1) {
                    writeTensor(json, outputs.values().iterator().next());
                } else {
                    json.writeStartObject();
                    for (Map.Entry<String, FloatTensor> output : outputs.entrySet()) {
                        json.writeFieldName(output.getKey());
                        writeTensor(json, output.getValue());
                    }
                    json.writeEndObject();
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory failed", e);
        }
        return out.toByteArray();
    }

    private static long requireSameRows(Map<String, FloatTensor> outputs) throws ServingException {
        long rows = -1;
        for (Map.Entry<String, FloatTensor> output : outputs.entrySet()) {
            FloatTensor tensor = output.getValue();
            if (tensor.rank() == 0 || (rows >= 0 && tensor.dim(0) != rows)) {
                throw ServingException.invalid("output '" + output.getKey() + "' has shape " + tensor.shapeText()
                        + ", which has no rows to answer in the row format; send \"inputs\" (columnar format)");
            }
            rows = tensor.dim(0);
        }
        return rows;
    }

    private static void writeRow(JsonGenerator json, FloatTensor tensor, int row) throws IOException {
        long[] shape = tensor.shape();
        int rowSize = (int) (tensor.values().length / shape[0]);
        writeNested(json, tensor.values(), shape, 1, row * rowSize, rowSize);
    }

    private static void writeTensor(JsonGenerator json, FloatTensor tensor) throws IOException {
        writeNested(json, tensor.values(), tensor.shape(), 0, 0, tensor.values().length);
    }

    /** Writes {@code length} values from {@code offset} as nested lists of {@code shape[depth..]}. */
    private static void writeNested(JsonGenerator json, float[] values, long[] shape, int depth, int offset, int length)
            throws IOException {
        if (depth == shape.length) {
            json.writeNumber(values[offset]);
            return;
        }
        json.writeStartArray();
        int count = (int) shape[depth];
        int step = count == 0 ? 0 : length / count;
        for (int i = 0; i < count; i++) {
            writeNested(json, values, shape, depth + 1, offset + i * step, step);
        }
        json.writeEndArray();
    }

    private static int totalValues(Map<String, FloatTensor> outputs) {
        long total = outputs.values().stream().mapToLong(t -> t.values().length).sum();
        return (int) Math.min(total, 1 << 24);
    }
}
