package io.kaji.store;

import java.util.function.LongConsumer;

/**
 * Copies every key of one store into another at the source's latest revision: how a cluster moves from the
 * embedded SQLite store to etcd (or back). The target must hold no key under the copied prefix, so a
 * migration never merges two clusters' state. Revisions are not preserved (the target numbers its own), so
 * clients re-list after a migration, as they do after an etcd restore.
 */
public final class StoreMigration {

    private static final int PAGE = 500;

    private StoreMigration() {
    }

    /** What was copied. */
    public record Summary(long keys, long bytes, long sourceRevision) {}

    /**
     * Copies all keys under {@code prefix} (use {@code "/"} for everything).
     *
     * @param progress called with the number of keys copied so far, after each page
     * @throws StoreException if the target already has keys under the prefix, or a write is refused
     */
    public static Summary copy(RevisionedStore source, RevisionedStore target, String prefix, LongConsumer progress) {
        RangeResult existing = target.range(RangeRequest.prefix(prefix).withLimit(1));
        if (!existing.kvs().isEmpty()) {
            throw new StoreException("the target store already holds keys under " + prefix + " (for example "
                    + existing.kvs().get(0).key() + "); migrate into an empty store");
        }
        long revision = source.currentRevision();
        long keys = 0;
        long bytes = 0;
        RangeRequest page = RangeRequest.prefix(prefix).withLimit(PAGE).atRevision(revision);
        while (true) {
            RangeResult r = source.range(page);
            for (KeyValue kv : r.kvs()) {
                WriteResult w = target.create(kv.key(), kv.value());
                if (!w.succeeded()) {
                    throw new StoreException("the target store refused " + kv.key()
                            + " (it appeared in the target during the copy)");
                }
                keys++;
                bytes += kv.value().length;
            }
            progress.accept(keys);
            if (!r.more() || r.kvs().isEmpty()) {
                return new Summary(keys, bytes, revision);
            }
            page = page.withStartAfter(r.kvs().get(r.kvs().size() - 1).key());
        }
    }
}
