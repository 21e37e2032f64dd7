package io.kaji.support.logs;

import java.util.Arrays;
import java.util.List;

/**
 * A log line cut into tokens, as written ({@link #original()}) and with variable parts replaced by the
 * wildcard ({@link #masked()}); both lists have the same length and position {@code i} of one is position
 * {@code i} of the other. Immutable.
 *
 * @param original the tokens as they appear in the line (a quoted string may be one token with spaces)
 * @param masked the same tokens after masking; a token may be {@code <*>} or contain it ({@code uid=<*>})
 */
public record Tokens(List<String> original, List<String> masked) {

    public Tokens {
        if (original.size() != masked.size()) {
            throw new IllegalArgumentException("original and masked token counts differ: "
                    + original.size() + " != " + masked.size());
        }
        original = List.copyOf(original);
        masked = List.copyOf(masked);
    }

    static Tokens of(String[] original, String[] masked) {
        return new Tokens(Arrays.asList(original), Arrays.asList(masked));
    }

    /** The number of tokens. */
    public int size() {
        return masked.size();
    }
}
