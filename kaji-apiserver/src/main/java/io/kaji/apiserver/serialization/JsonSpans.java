package io.kaji.apiserver.serialization;

import java.nio.charset.StandardCharsets;

/**
 * Finds where a top-level field's value lies in serialized JSON without parsing it, so that part of a cached
 * object's bytes (its metadata, for a Table row) can be copied instead of serializing its tree again. Works on any
 * well-formed JSON object; reports "not found" for anything else.
 */
public final class JsonSpans {

    /** Returned when the field is absent or the bytes are not a well-formed object. */
    public static final long NONE = -1;

    private JsonSpans() {
    }

    /**
     * The span of the value of the top-level field {@code name} (a name without escapes) in {@code json}: start
     * offset in the high 32 bits, end offset (exclusive) in the low 32 bits; {@link #NONE} when there is none.
     */
    public static long topLevelValue(byte[] json, String name) {
        byte[] want = name.getBytes(StandardCharsets.UTF_8);
        try {
            int i = skipSpace(json, 0);
            if (json[i] != '{') {
                return NONE;
            }
            i = skipSpace(json, i + 1);
            if (json[i] == '}') {
                return NONE;
            }
            while (true) {
                if (json[i] != '"') {
                    return NONE;
                }
                int keyStart = i + 1;
                i = endOfString(json, i);
                boolean match = i - 1 - keyStart == want.length
                        && java.util.Arrays.equals(json, keyStart, i - 1, want, 0, want.length);
                i = skipSpace(json, i);
                if (json[i] != ':') {
                    return NONE;
                }
                int valueStart = skipSpace(json, i + 1);
                i = endOfValue(json, valueStart);
                if (match) {
                    return ((long) valueStart << 32) | i;
                }
                i = skipSpace(json, i);
                if (json[i] == '}') {
                    return NONE;
                }
                if (json[i] != ',') {
                    return NONE;
                }
                i = skipSpace(json, i + 1);
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            return NONE;
        }
    }

    public static int start(long span) {
        return (int) (span >>> 32);
    }

    public static int end(long span) {
        return (int) span;
    }

    private static int skipSpace(byte[] b, int i) {
        while (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
            i++;
        }
        return i;
    }

    /** {@code i} at an opening quote; returns the offset after the closing one. */
    private static int endOfString(byte[] b, int i) {
        i++;
        while (b[i] != '"') {
            i += b[i] == '\\' ? 2 : 1;
        }
        return i + 1;
    }

    /** The offset just after the value starting at {@code i}. */
    private static int endOfValue(byte[] b, int i) {
        byte c = b[i];
        if (c == '"') {
            return endOfString(b, i);
        }
        if (c == '{' || c == '[') {
            int depth = 0;
            while (true) {
                c = b[i];
                if (c == '"') {
                    i = endOfString(b, i);
                    continue;
                }
                if (c == '{' || c == '[') {
                    depth++;
                } else if (c == '}' || c == ']') {
                    depth--;
                    if (depth == 0) {
                        return i + 1;
                    }
                }
                i++;
            }
        }
        while (c != ',' && c != '}' && c != ']' && c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            c = b[++i];
        }
        return i;
    }
}
