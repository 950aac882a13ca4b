package io.distillery.serve.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.distillery.serve.inference.RequestInputs;
import io.distillery.serve.status.ServingException;
import io.distillery.serve.tensor.FloatTensor;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The body of {@code POST ...:predict}, as TF Serving reads it:
 * <pre>{@code
 * {"signature_name": "serving_default",            optional
 *  "instances": [[...], [...]]                     row format: a list of instances, each the value
 *                                                  of the sole input or an object {"input": [...]}
 *  "inputs": [[...], [...]] | {"input": [[...]]}}  columnar format: whole tensors
 * }</pre>
 * Exactly one of {@code instances} and {@code inputs}. Parsed in one streaming pass, straight into
 * float arrays.
 *
 * @param signatureName the signature, empty for the default
 * @param format        which of the two formats the request used (the response uses the same)
 * @param inputs        the tensors
 */
public record PredictRequestJson(String signatureName, Format format, RequestInputs inputs) {

    /** Row ({@code instances} → {@code predictions}) or columnar ({@code inputs} → {@code outputs}). */
    public enum Format {
        ROW,
        COLUMNAR
    }

    /** NaN and Infinity as TF Serving accepts them; Jackson's fast float parser (3-5x the JDK's). */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    public PredictRequestJson {
        Objects.requireNonNull(signatureName, "signatureName");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(inputs, "inputs");
    }

    /** Parses {@code body}; every problem is INVALID_ARGUMENT with a message for the client. */
    public static PredictRequestJson parse(byte[] body) throws ServingException {
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw ServingException.invalid(
                        "the request body must be a JSON object with \"instances\" or \"inputs\"");
            }
            String signature = "";
            Format format = null;
            RequestInputs inputs = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "signature_name" -> {
                        if (value != JsonToken.VALUE_STRING) {
                            throw ServingException.invalid("\"signature_name\" must be a string");
                        }
                        signature = parser.getText();
                    }
                    case "instances", "inputs" -> {
                        if (format != null) {
                            throw ServingException.invalid(
                                    "use either \"instances\" (row format) or \"inputs\" (columnar"
                                            + " format), not both");
                        }
                        format = field.equals("instances") ? Format.ROW : Format.COLUMNAR;
                        inputs = format == Format.ROW ? readInstances(parser) : readColumns(parser);
                    }
                    default -> parser.skipChildren(); // TF Serving ignores other keys too
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw ServingException.invalid("the request body must hold one JSON object");
            }
            if (format == null) {
                throw ServingException.invalid(
                        "missing \"instances\" (row format) or \"inputs\" (columnar format) in the" + " request body");
            }
            return new PredictRequestJson(signature, format, inputs);
        } catch (JsonProcessingException e) {
            throw ServingException.invalid("malformed JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw ServingException.invalid("unreadable request body: " + e.getMessage());
        }
    }

    /** {@code "instances": [v, v, ...]} with v a value of the sole input, or {@code {"key": value, ...}}. */
    private static RequestInputs readInstances(JsonParser parser) throws IOException, ServingException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw ServingException.invalid("\"instances\" must be a list with one entry per instance");
        }
        JsonToken first = parser.nextToken();
        if (first == JsonToken.END_ARRAY) {
            throw ServingException.invalid("\"instances\" is empty; send at least one instance");
        }
        if (first != JsonToken.START_OBJECT) {
            NestedFloats sole = new NestedFloats("instances");
            do {
                sole.readStacked(parser);
            } while (parser.nextToken() != JsonToken.END_ARRAY);
            return RequestInputs.sole(sole.tensor(true));
        }
        Map<String, NestedFloats> named = new LinkedHashMap<>();
        int instances = 0;
        do {
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                throw ServingException.invalid("instance " + instances + " is not an object like the first one; every"
                        + " instance names its inputs, or none does");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = parser.currentName();
                parser.nextToken();
                NestedFloats column = named.computeIfAbsent(key, k -> new NestedFloats("input '" + k + "'"));
                if (column.stacked() > instances) {
                    throw ServingException.invalid("instance " + instances + " names input '" + key + "' twice");
                }
                if (column.stacked() < instances) {
                    throw ServingException.invalid("input '" + key + "' first appears in instance " + instances
                            + "; in the row format every instance has every input");
                }
                column.readStacked(parser);
            }
            instances++;
            for (Map.Entry<String, NestedFloats> column : named.entrySet()) {
                if (column.getValue().stacked() != instances) {
                    throw ServingException.invalid("instance " + (instances - 1) + " lacks input '" + column.getKey()
                            + "'; in the row format every instance has every input");
                }
            }
        } while (parser.nextToken() != JsonToken.END_ARRAY);
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, NestedFloats> column : named.entrySet()) {
            tensors.put(column.getKey(), column.getValue().tensor(true));
        }
        return RequestInputs.named(tensors);
    }

    /** {@code "inputs": value} for the sole input, or {@code {"key": value, ...}}. */
    private static RequestInputs readColumns(JsonParser parser) throws IOException, ServingException {
        if (parser.currentToken() == JsonToken.START_OBJECT) {
            Map<String, FloatTensor> tensors = new LinkedHashMap<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = parser.currentName();
                parser.nextToken();
                if (tensors.containsKey(key)) {
                    throw ServingException.invalid("\"inputs\" names '" + key + "' twice");
                }
                NestedFloats column = new NestedFloats("input '" + key + "'");
                column.readWhole(parser);
                tensors.put(key, column.tensor(false));
            }
            if (tensors.isEmpty()) {
                throw ServingException.invalid("\"inputs\" is an empty object; name at least one input");
            }
            return RequestInputs.named(tensors);
        }
        NestedFloats sole = new NestedFloats("inputs");
        sole.readWhole(parser);
        return RequestInputs.sole(sole.tensor(false));
    }
}
