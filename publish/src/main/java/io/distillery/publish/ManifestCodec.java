package io.distillery.publish;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code manifest.json} to and from {@link Manifest}: the one place that knows the JSON layout. */
final class ManifestCodec {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ManifestCodec() {}

    /** The manifest as UTF-8 JSON: the reserved keys first, then the caller's fields in their order. */
    static byte[] write(Manifest manifest) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model_name", manifest.modelName());
        root.put("version", manifest.version());
        root.put("run_id", manifest.runId());
        root.put("created", manifest.created().toString());
        List<Map<String, Object>> files = new ArrayList<>();
        for (ManifestFile file : manifest.files()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("path", file.path());
            entry.put("size", file.size());
            entry.put("gzip_size", file.gzipSize());
            entry.put("sha256", file.sha256());
            files.add(entry);
        }
        root.put("files", files);
        root.putAll(manifest.fields());
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            // Every value was normalised to a plain JSON value when the fields were accepted.
            throw new IllegalStateException(
                    "manifest of version " + manifest.version() + " of model '" + manifest.modelName()
                            + "' cannot be written as JSON: " + e.getOriginalMessage(),
                    e);
        }
    }

    /**
     * Parses a manifest. {@code source} names where it came from in error messages.
     *
     * @throws ModelRepositoryException when it is not JSON or a field is missing or of the wrong kind
     */
    static Manifest read(byte[] json, String source) throws ModelRepositoryException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new ModelRepositoryException("manifest " + source + " is not valid JSON: " + oneLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw invalid(
                    source,
                    "(root)",
                    "a JSON object",
                    root == null ? "nothing" : root.getNodeType().toString());
        }
        try {
            String modelName = text(root, "model_name", source);
            long version = integer(root, "version", source);
            String runId = text(root, "run_id", source);
            Instant created = instant(root, "created", source);
            JsonNode filesNode = root.get("files");
            if (filesNode == null || !filesNode.isArray()) {
                throw invalid(source, "files", "an array", describe(filesNode));
            }
            List<ManifestFile> files = new ArrayList<>();
            for (int i = 0; i < filesNode.size(); i++) {
                JsonNode entry = filesNode.get(i);
                String where = "files[" + i + "]";
                if (!entry.isObject()) {
                    throw invalid(source, where, "an object", describe(entry));
                }
                files.add(new ManifestFile(
                        text(entry, "path", source, where),
                        integer(entry, "size", source, where),
                        integer(entry, "gzip_size", source, where),
                        text(entry, "sha256", source, where)));
            }
            Map<String, Object> fields = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : root.properties()) {
                if (!Manifest.RESERVED_KEYS.contains(field.getKey())) {
                    fields.put(field.getKey(), MAPPER.treeToValue(field.getValue(), Object.class));
                }
            }
            return new Manifest(modelName, version, runId, created, files, fields);
        } catch (IllegalArgumentException e) {
            throw new ModelRepositoryException("manifest " + source + " is invalid: " + e.getMessage());
        } catch (JsonProcessingException e) {
            throw new ModelRepositoryException(
                    "manifest " + source + " is invalid: " + oneLine(e.getOriginalMessage()));
        }
    }

    /**
     * The caller's fields as plain JSON values (records and POJOs become maps), checked against the
     * reserved keys.
     */
    static Map<String, Object> normalizeFields(Map<String, ?> fields) {
        Map<String, Object> plain = new LinkedHashMap<>();
        for (Map.Entry<String, ?> field : fields.entrySet()) {
            String key = field.getKey();
            if (key == null || Manifest.RESERVED_KEYS.contains(key)) {
                throw new IllegalArgumentException("manifest field '" + key + "' is reserved (written by" + " publish: "
                        + Manifest.RESERVED_KEYS + "); rename the caller's field");
            }
            try {
                JsonNode tree = MAPPER.valueToTree(field.getValue());
                plain.put(key, tree == null ? null : MAPPER.treeToValue(tree, Object.class));
            } catch (IllegalArgumentException | JsonProcessingException e) {
                throw new IllegalArgumentException(
                        "manifest field '" + key + "' cannot be written as JSON" + " (a "
                                + field.getValue().getClass().getName() + "): " + oneLine(e.getMessage()),
                        e);
            }
        }
        return plain;
    }

    /** One field's value as compact JSON, to look for secrets in it. */
    static String toJson(Object value) {
        try {
            return MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("value cannot be written as JSON: " + oneLine(e.getMessage()), e);
        }
    }

    private static String text(JsonNode node, String key, String source) throws ModelRepositoryException {
        return text(node, key, source, null);
    }

    private static String text(JsonNode node, String key, String source, String where) throws ModelRepositoryException {
        JsonNode value = node.get(key);
        if (value == null || !value.isTextual()) {
            throw invalid(source, qualified(where, key), "a string", describe(value));
        }
        return value.textValue();
    }

    private static long integer(JsonNode node, String key, String source) throws ModelRepositoryException {
        return integer(node, key, source, null);
    }

    private static long integer(JsonNode node, String key, String source, String where)
            throws ModelRepositoryException {
        JsonNode value = node.get(key);
        if (value == null || !value.canConvertToExactIntegral() || !value.canConvertToLong()) {
            throw invalid(source, qualified(where, key), "an integer", describe(value));
        }
        return value.longValue();
    }

    private static Instant instant(JsonNode node, String key, String source) throws ModelRepositoryException {
        String value = text(node, key, source);
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw invalid(source, key, "an ISO-8601 UTC instant", "'" + value + "'");
        }
    }

    private static ModelRepositoryException invalid(String source, String key, String expected, String found) {
        return new ModelRepositoryException(
                "manifest " + source + ": field '" + key + "' expected " + expected + ", found " + found);
    }

    private static String qualified(String where, String key) {
        return where == null ? key : where + "." + key;
    }

    private static String describe(JsonNode value) {
        if (value == null) {
            return "no such field";
        }
        String text = value.toString();
        return value.getNodeType().toString().toLowerCase() + " "
                + (text.length() > 60 ? text.substring(0, 60) + "..." : text);
    }

    private static String oneLine(String message) {
        return message == null ? "" : Messages.firstLine(message);
    }
}
