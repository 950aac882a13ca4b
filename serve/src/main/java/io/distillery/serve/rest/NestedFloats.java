package io.distillery.serve.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.distillery.serve.status.ServingException;
import io.distillery.serve.tensor.FloatTensor;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads JSON values in TF Serving's natural nested notation ({@code [[1, 2], [3, 4]]}) into one float
 * tensor, checking that the lists are rectangular and every leaf is a number ({@code NaN},
 * {@code Infinity} and {@code -Infinity} included). Values read one after another stack along a new
 * first dimension (the row format's instances).
 */
final class NestedFloats {
    /** Deeper than any tensor a signature declares. */
    static final int MAX_RANK = 32;

    private final String what;
    private final long[] dims = new long[MAX_RANK + 1];
    private int leafDepth = -1;
    private int deepestArray = -1;
    private float[] values = new float[1024];
    private int size;
    private int stacked;

    /** @param what names the value in messages, e.g. {@code "instances"} or {@code input 'x'} */
    NestedFloats(String what) {
        this.what = what;
        Arrays.fill(dims, -1);
    }

    /** Reads the value at the parser's current token as one more entry along the first dimension. */
    void readStacked(JsonParser parser) throws IOException, ServingException {
        read(parser, 1);
        stacked++;
    }

    /** Reads the value at the parser's current token as the whole tensor. */
    void readWhole(JsonParser parser) throws IOException, ServingException {
        read(parser, 0);
    }

    /** How many values {@link #readStacked} has read. */
    int stacked() {
        return stacked;
    }

    /** The tensor read: stacked values get the first dimension {@link #stacked()}. */
    FloatTensor tensor(boolean wasStacked) throws ServingException {
        if (wasStacked) {
            dims[0] = stacked;
        }
        int rank = leafDepth >= 0 ? leafDepth : deepestArray + 1;
        long[] shape = new long[Math.max(rank, 0)];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = dims[d] < 0 ? 0 : dims[d];
        }
        return new FloatTensor(shape, Arrays.copyOf(values, size));
    }

    private void read(JsonParser parser, int depth) throws IOException, ServingException {
        if (depth > MAX_RANK) {
            throw ServingException.invalid(what + " nests lists deeper than " + MAX_RANK + " levels");
        }
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_ARRAY) {
            if (leafDepth >= 0 && depth >= leafDepth) {
                throw ragged("a list where a number was expected at depth " + depth);
            }
            deepestArray = Math.max(deepestArray, depth);
            long count = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                read(parser, depth + 1);
                count++;
            }
            if (dims[depth] < 0) {
                dims[depth] = count;
            } else if (dims[depth] != count) {
                throw ragged("lists of length " + dims[depth] + " and " + count + " at depth " + depth);
            }
        } else if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
            if (leafDepth < 0) {
                if (depth <= deepestArray) {
                    throw ragged("a number where a list was expected at depth " + depth);
                }
                leafDepth = depth;
            } else if (depth != leafDepth) {
                throw ragged("numbers at depths " + leafDepth + " and " + depth);
            }
            if (size == values.length) {
                values = Arrays.copyOf(values, values.length * 2);
            }
            values[size++] = (float) parser.getDoubleValue();
        } else {
            throw ServingException.invalid(what + ": expected a number for a DT_FLOAT tensor, found " + describe(token)
                    + "; distillery serve accepts numbers (and NaN, Infinity) only");
        }
    }

    private ServingException ragged(String detail) {
        return ServingException.invalid(what + " must be a rectangular (nested) list of numbers; found " + detail);
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case VALUE_STRING -> "a string (DT_STRING)";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean (DT_BOOL)";
            case VALUE_NULL -> "null";
            case START_OBJECT -> "an object";
            default -> String.valueOf(token);
        };
    }
}
