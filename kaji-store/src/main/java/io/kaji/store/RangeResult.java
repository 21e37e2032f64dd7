package io.kaji.store;

import java.util.List;

/**
 * The answer to a {@link RangeRequest}.
 *
 * @param kvs      the keys found, in key order
 * @param revision the revision the read was served at (the request's, or the latest)
 * @param more     true when the limit cut the result; continue with {@code startAfter} = the last key
 * @param count    every key in the range when {@link RangeRequest#countTotal()} was asked, else -1
 */
public record RangeResult(List<KeyValue> kvs, long revision, boolean more, long count) {

    public RangeResult {
        kvs = List.copyOf(kvs);
    }
}
