package io.kaji.store;

/**
 * A read of all keys under a prefix, in key order.
 *
 * @param prefix     the key prefix; {@code /registry/pods/a/} never matches {@code /registry/pods/ab/x}
 *                   because the slash is part of the prefix
 * @param startAfter continue after this key (exclusive), or {@code null} to start at the beginning;
 *                   this is how pagination's continue token is resumed
 * @param limit      at most this many keys; 0 means no limit
 * @param revision   read as of this revision; 0 means the latest
 * @param countTotal also count every key in the range (ignoring limit and startAfter), as etcd's
 *                   {@code count} does; costs a second scan, so off unless asked
 */
public record RangeRequest(String prefix, String startAfter, int limit, long revision, boolean countTotal) {

    public RangeRequest {
        Keys.validatePrefix(prefix);
        if (startAfter != null && !startAfter.startsWith(prefix)) {
            throw new IllegalArgumentException(
                    "range " + prefix + ": continue key " + startAfter + " is not under the prefix");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("range " + prefix + ": limit must be >= 0, got " + limit);
        }
        if (revision < 0) {
            throw new IllegalArgumentException("range " + prefix + ": revision must be >= 0, got " + revision);
        }
    }

    /** Every key under {@code prefix}, latest revision. */
    public static RangeRequest prefix(String prefix) {
        return new RangeRequest(prefix, null, 0, 0, false);
    }

    public RangeRequest withLimit(int newLimit) {
        return new RangeRequest(prefix, startAfter, newLimit, revision, countTotal);
    }

    public RangeRequest withStartAfter(String key) {
        return new RangeRequest(prefix, key, limit, revision, countTotal);
    }

    public RangeRequest atRevision(long rev) {
        return new RangeRequest(prefix, startAfter, limit, rev, countTotal);
    }

    public RangeRequest withCount() {
        return new RangeRequest(prefix, startAfter, limit, revision, true);
    }
}
