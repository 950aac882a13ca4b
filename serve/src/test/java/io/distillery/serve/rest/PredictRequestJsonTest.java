package io.distillery.serve.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.serve.inference.RequestInputs;
import io.distillery.serve.status.ServingException;
import io.distillery.serve.tensor.FloatTensor;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** TF Serving's two request formats, read into shaped float tensors. */
class PredictRequestJsonTest {

    @Test
    void rowFormatStacksInstances() throws Exception {
        PredictRequestJson request = parse("{\"instances\": [[[1, 2]], [[3, 4]]]}");

        assertEquals(PredictRequestJson.Format.ROW, request.format());
        FloatTensor tensor = sole(request);
        assertArrayEquals(new long[] {2, 1, 2}, tensor.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4}, tensor.values());
    }

    @Test
    void scalarsNaNAndInfinities() throws Exception {
        FloatTensor tensor = sole(parse("{\"instances\": [1.5, NaN, Infinity, -Infinity, 1e3]}"));

        assertArrayEquals(new long[] {5}, tensor.shape());
        assertArrayEquals(
                new float[] {1.5f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1000f},
                tensor.values());
    }

    @Test
    void namedInstancesAndColumns() throws Exception {
        PredictRequestJson rows = parse("{\"signature_name\": \"s\", \"instances\": [{\"a\": [1, 2], \"b\": 5},"
                + " {\"b\": 6, \"a\": [3, 4]}]}");
        PredictRequestJson columns = parse("{\"inputs\": {\"a\": [[1, 2], [3, 4]], \"b\": [5, 6]}}");

        assertEquals("s", rows.signatureName());
        for (PredictRequestJson request : new PredictRequestJson[] {rows, columns}) {
            var tensors = ((RequestInputs.Named) request.inputs()).tensors();
            assertArrayEquals(new long[] {2, 2}, tensors.get("a").shape());
            assertArrayEquals(new float[] {1, 2, 3, 4}, tensors.get("a").values());
            assertArrayEquals(new long[] {2}, tensors.get("b").shape());
        }
        assertEquals(PredictRequestJson.Format.COLUMNAR, columns.format());
    }

    @Test
    void columnarScalarIsARankZeroTensor() throws Exception {
        FloatTensor tensor = sole(parse("{\"inputs\": 3}"));

        assertArrayEquals(new long[0], tensor.shape());
        assertArrayEquals(new float[] {3}, tensor.values());
    }

    @Test
    void problemsAreInvalidArgumentsWithMessages() {
        assertInvalid("{\"instances\": [[1, 2], [3]]}", "lists of length 2 and 1");
        assertInvalid("{\"instances\": [[1, [2]]]}", "rectangular");
        assertInvalid("{\"instances\": [1, [2]]}", "rectangular");
        assertInvalid("{\"instances\": [[\"x\"]]}", "DT_STRING");
        assertInvalid("{\"instances\": [[null]]}", "found null");
        assertInvalid("{\"instances\": []}", "is empty");
        assertInvalid("{\"instances\": {\"a\": 1}}", "must be a list");
        assertInvalid("{\"instances\": [{\"a\": 1}, {\"b\": 2}]}", "'b' first appears in instance 1");
        assertInvalid("{\"instances\": [{\"a\": 1, \"b\": 1}, {\"b\": 2}]}", "instance 1 lacks input 'a'");
        assertInvalid("{\"instances\": [{\"a\": 1, \"a\": 2}]}", "names input 'a' twice");
        assertInvalid("{\"instances\": [{\"a\": 1}, [2]]}", "not an object like the first");
        assertInvalid("{\"inputs\": {}}", "empty object");
        assertInvalid("{\"signature_name\": 3, \"inputs\": [1]}", "must be a string");
        assertInvalid("{\"inputs\": [1]} {}", "one JSON object");
        assertInvalid("{\"inputs\": [1, 2", "malformed JSON");
        assertInvalid("[".repeat(40) + "1" + "]".repeat(40), "must be a JSON object");
        assertInvalid("{\"inputs\": " + "[".repeat(40) + "1" + "]".repeat(40) + "}", "deeper than 32");
    }

    private static void assertInvalid(String json, String fragment) {
        ServingException e = assertThrows(ServingException.class, () -> parse(json), json);
        assertEquals(400, e.status().httpStatus());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }

    private static FloatTensor sole(PredictRequestJson request) {
        return ((RequestInputs.Sole) request.inputs()).tensor();
    }

    private static PredictRequestJson parse(String json) throws ServingException {
        return PredictRequestJson.parse(json.getBytes(StandardCharsets.UTF_8));
    }
}
