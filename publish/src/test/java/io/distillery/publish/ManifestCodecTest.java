package io.distillery.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {

    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static Manifest manifest() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("config", Map.of("temperature", 2.0, "alpha", 0.5));
        fields.put("metrics", Map.of("accuracy", 0.897, "loss", 0.31));
        fields.put("note", null);
        return new Manifest(
                "fashion",
                3,
                "run-7",
                Instant.parse("2025-01-02T03:04:05.678Z"),
                List.of(
                        new ManifestFile("saved_model.pb", 4, 24, SHA),
                        new ManifestFile("variables/variables.index", 0, 20, SHA)),
                fields);
    }

    @Test
    void writesTheReservedKeysFirstInSnakeCaseThenTheCallerFields() {
        String json = new String(ManifestCodec.write(manifest()), StandardCharsets.UTF_8);
        List<String> order = List.of(
                "\"model_name\"",
                "\"version\"",
                "\"run_id\"",
                "\"created\"",
                "\"files\"",
                "\"config\"",
                "\"metrics\"",
                "\"note\"");
        int last = -1;
        for (String key : order) {
            int at = json.indexOf(key);
            assertTrue(at > last, key + " out of order in " + json);
            last = at;
        }
        assertTrue(json.contains("\"created\" : \"2025-01-02T03:04:05.678Z\""), json);
        assertTrue(json.contains("\"gzip_size\" : 24"), json);
    }

    @Test
    void roundTripsExactly() throws Exception {
        Manifest manifest = manifest();
        assertEquals(manifest, ManifestCodec.read(ManifestCodec.write(manifest), "test"));
    }

    @Test
    void namesTheFieldThatIsWrong() {
        String json = new String(ManifestCodec.write(manifest()), StandardCharsets.UTF_8)
                .replace("\"size\" : 0", "\"size\" : \"zero\"");
        ModelRepositoryException e = assertThrows(
                ModelRepositoryException.class,
                () -> ManifestCodec.read(json.getBytes(StandardCharsets.UTF_8), "s3a://b/m/3/manifest.json"));
        assertEquals(
                "manifest s3a://b/m/3/manifest.json: field 'files[1].size' expected an integer,"
                        + " found string \"zero\"",
                e.getMessage());
    }

    @Test
    void rejectsTruncatedJsonAndTrailingGarbage() {
        byte[] json = ManifestCodec.write(manifest());
        ModelRepositoryException truncated = assertThrows(
                ModelRepositoryException.class, () -> ManifestCodec.read(Arrays.copyOf(json, json.length - 10), "m"));
        assertTrue(truncated.getMessage().startsWith("manifest m is not valid JSON"), truncated.getMessage());
        byte[] trailing = (new String(json, StandardCharsets.UTF_8) + " {}").getBytes(StandardCharsets.UTF_8);
        assertThrows(ModelRepositoryException.class, () -> ManifestCodec.read(trailing, "m"));
    }

    @Test
    void rejectsAnInvalidShaWithTheFileName() {
        String json = new String(ManifestCodec.write(manifest()), StandardCharsets.UTF_8).replaceFirst(SHA, "abc");
        ModelRepositoryException e = assertThrows(
                ModelRepositoryException.class, () -> ManifestCodec.read(json.getBytes(StandardCharsets.UTF_8), "m"));
        assertTrue(
                e.getMessage().contains("sha256 of 'saved_model.pb' must be 64 lowercase hex digits, found 'abc'"),
                e.getMessage());
    }

    @Test
    void callerFieldsBecomePlainJsonValues() {
        record Config(double temperature, List<Integer> layers) {}
        Map<String, Object> plain = ManifestCodec.normalizeFields(Map.of("config", new Config(2.0, List.of(784, 10))));
        assertEquals(Map.of("config", Map.of("temperature", 2.0, "layers", List.of(784, 10))), plain);
        IllegalArgumentException reserved = assertThrows(
                IllegalArgumentException.class, () -> ManifestCodec.normalizeFields(Map.of("files", List.of())));
        assertTrue(reserved.getMessage().contains("'files' is reserved"), reserved.getMessage());
    }

    @Test
    void manifestValuesAreDeeplyUnmodifiable() {
        Manifest manifest = manifest();
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) manifest.fields().get("config");
        assertThrows(UnsupportedOperationException.class, () -> config.put("alpha", 1.0));
        assertThrows(UnsupportedOperationException.class, () -> manifest.files().clear());
    }

    @Test
    void fileEntriesRejectPathsThatEscapeTheVersion() {
        for (String bad : List.of("../x", "/abs", "a//b", "a/./b", "c:\\x", "dir/")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> new ManifestFile(bad, 1, 1, SHA), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
