package io.kaji.store;

/**
 * The revision asked for is older than the compaction point. The Kubernetes API maps this to
 * 410 Gone (reason Expired); clients then list again.
 */
public class CompactedException extends StoreException {

    private final long requested;
    private final long compactRevision;

    public CompactedException(long requested, long compactRevision) {
        super("revision " + requested + " has been compacted; the oldest available revision is "
                + (compactRevision + 1));
        this.requested = requested;
        this.compactRevision = compactRevision;
    }

    public long requested() {
        return requested;
    }

    /** The compaction point: revisions up to and including this one are gone. */
    public long compactRevision() {
        return compactRevision;
    }
}
