package io.kaji.store.sqlite;

import io.kaji.store.Event;
import io.kaji.store.KeyValue;
import io.kaji.store.StoreException;
import io.kaji.store.WriteResult;
import io.kaji.store.internal.WatchHub;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of a {@link SqliteStore}: takes every pending write off a queue, applies as many as are
 * waiting in one transaction (group commit: one fsync for all of them), then publishes the changes to
 * watchers and answers the callers. One thread means revisions are assigned in commit order without locks,
 * and the compare-and-swap check reads exactly what the transaction will append after.
 */
final class Writer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Writer.class);

    /** Rows a compaction deletes per transaction, so writers wait at most one chunk. */
    private static final long COMPACT_CHUNK_REVISIONS = 5_000;

    enum Kind { CREATE, UPDATE, DELETE, COMPACT, STOP }

    /** One queued operation; {@code revision} is the expected modification revision or the compaction target. */
    record Op(Kind kind, String key, byte[] value, long revision) {}

    private record Pending(Op op, CompletableFuture<WriteResult> result) {}

    private final Connection connection;
    private final int maxBatch;
    private final WatchHub hub;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final PreparedStatement selectLatest;
    private final PreparedStatement insert;
    private final Statement control;
    /** Whether {@link #begin()} opened a transaction not yet committed or rolled back (writer thread only). */
    private boolean inTransaction;
    private volatile long revision;
    private volatile long compactRevision;
    private volatile boolean stopped;

    Writer(Connection connection, int maxBatch, long revision, long compactRevision, WatchHub hub) throws SQLException {
        this.connection = connection;
        this.maxBatch = maxBatch;
        this.revision = revision;
        this.compactRevision = compactRevision;
        this.hub = hub;
        this.selectLatest = connection.prepareStatement(Schema.SELECT_LATEST);
        this.insert = connection.prepareStatement(Schema.INSERT);
        this.control = connection.createStatement();
        this.thread = Thread.ofPlatform().name("kaji-sqlite-writer").daemon(true).unstarted(this::loop);
    }

    void start() {
        thread.start();
    }

    long revision() {
        return revision;
    }

    long compactRevision() {
        return compactRevision;
    }

    /** Queues a write and waits until it is durable (or refused). */
    WriteResult submit(Op op) {
        return await(enqueue(op), op);
    }

    void compact(long target) {
        if (target <= compactRevision) {
            return;
        }
        long current = revision;
        if (target > current) {
            throw new StoreException("compact: revision " + target + " is in the future; the current revision is "
                    + current);
        }
        await(enqueue(new Op(Kind.COMPACT, null, null, target)), null);
    }

    private CompletableFuture<WriteResult> enqueue(Op op) {
        if (stopped) {
            throw new StoreException("write " + op.key() + ": the store is closed");
        }
        CompletableFuture<WriteResult> f = new CompletableFuture<>();
        queue.add(new Pending(op, f));
        return f;
    }

    private static WriteResult await(CompletableFuture<WriteResult> f, Op op) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("write " + (op == null ? "" : op.key()) + ": interrupted; the write may or may not"
                    + " have been committed", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("write failed: " + e.getCause(), e.getCause());
        }
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (true) {
            batch.clear();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            queue.drainTo(batch, maxBatch - 1);
            List<Pending> writes = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                switch (p.op().kind()) {
                    case STOP -> {
                        commitWrites(writes);
                        failRemaining();
                        p.result().complete(null);
                        return;
                    }
                    case COMPACT -> {
                        commitWrites(writes);
                        writes.clear();
                        runCompaction(p);
                    }
                    default -> writes.add(p);
                }
            }
            commitWrites(writes);
        }
    }

    /** Applies the writes in one transaction; on an SQL error the whole group fails and nothing is written. */
    private void commitWrites(List<Pending> writes) {
        if (writes.isEmpty()) {
            return;
        }
        long start = revision;
        long next = start;
        List<Event> events = new ArrayList<>(writes.size());
        List<WriteResult> results = new ArrayList<>(writes.size());
        try {
            begin();
            for (Pending p : writes) {
                Op op = p.op();
                Row latest = latest(op.key());
                boolean live = latest != null && !latest.deleted();
                WriteResult result;
                switch (op.kind()) {
                    case CREATE -> {
                        if (live) {
                            result = new WriteResult.Conflict(next, latest.toKeyValue(op.key()));
                        } else {
                            next++;
                            append(next, op.key(), false, next, latest == null ? 0 : latest.id(), 1, op.value());
                            KeyValue kv = new KeyValue(op.key(), op.value(), next, next, 1);
                            events.add(new Event(Event.Type.PUT, kv, null));
                            result = new WriteResult.Written(next, kv);
                        }
                    }
                    case UPDATE -> {
                        if (!live || latest.id() != op.revision()) {
                            result = new WriteResult.Conflict(next, live ? latest.toKeyValue(op.key()) : null);
                        } else {
                            next++;
                            append(next, op.key(), false, latest.createRevision(), latest.id(), latest.version() + 1,
                                    op.value());
                            KeyValue kv = new KeyValue(op.key(), op.value(), latest.createRevision(), next,
                                    latest.version() + 1);
                            events.add(new Event(Event.Type.PUT, kv, latest.toKeyValue(op.key())));
                            result = new WriteResult.Written(next, kv);
                        }
                    }
                    case DELETE -> {
                        if (!live || latest.id() != op.revision()) {
                            result = new WriteResult.Conflict(next, live ? latest.toKeyValue(op.key()) : null);
                        } else {
                            next++;
                            append(next, op.key(), true, latest.createRevision(), latest.id(), 0, null);
                            KeyValue prev = latest.toKeyValue(op.key());
                            events.add(new Event(Event.Type.DELETE, new KeyValue(op.key(), null, 0, next, 0), prev));
                            result = new WriteResult.Written(next, prev);
                        }
                    }
                    default -> throw new IllegalStateException("not a write: " + op.kind());
                }
                results.add(result);
            }
            commit();
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            StoreException failure = new StoreException("write of " + writes.size() + " change(s) starting with "
                    + writes.get(0).op().key() + " failed and was rolled back: " + e.getMessage(), e);
            log.error("sqlite writer: {}", failure.getMessage(), e);
            for (Pending p : writes) {
                p.result().completeExceptionally(failure);
            }
            return;
        }
        revision = next;
        hub.publish(events, next);
        for (int i = 0; i < writes.size(); i++) {
            writes.get(i).result().complete(results.get(i));
        }
    }

    private void runCompaction(Pending p) {
        long target = p.op().revision();
        try {
            long from = compactRevision;
            // Move the compaction point first: from now on reads below the target fail instead of seeing a
            // half-compacted history.
            begin();
            try (PreparedStatement ps = connection.prepareStatement(Schema.SET_COMPACT_REVISION)) {
                ps.setLong(1, target);
                ps.executeUpdate();
            }
            commit();
            compactRevision = target;
            while (from < target) {
                long to = Math.min(target, from + COMPACT_CHUNK_REVISIONS);
                begin();
                try (PreparedStatement ps = connection.prepareStatement(Schema.COMPACT_CHUNK)) {
                    ps.setLong(1, from);
                    ps.setLong(2, to);
                    ps.setLong(3, target);
                    ps.executeUpdate();
                }
                commit();
                from = to;
            }
            log.debug("sqlite store compacted to revision {}", target);
            p.result().complete(new WriteResult.Written(revision, new KeyValue("/", null, 0, target, 0)));
        } catch (SQLException e) {
            rollbackQuietly();
            p.result().completeExceptionally(new StoreException("compact to " + target + " failed: " + e.getMessage(), e));
        }
    }

    private record Row(long id, long createRevision, long version, boolean deleted, byte[] value) {
        KeyValue toKeyValue(String key) {
            return new KeyValue(key, value, createRevision, id, version);
        }
    }

    private Row latest(String key) throws SQLException {
        selectLatest.setString(1, key);
        try (ResultSet rs = selectLatest.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            return new Row(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getInt(4) == 1, rs.getBytes(5));
        }
    }

    private void append(long id, String key, boolean deleted, long createRevision, long prevRevision, long version,
                        byte[] value) throws SQLException {
        insert.setLong(1, id);
        insert.setString(2, key);
        insert.setInt(3, deleted ? 1 : 0);
        insert.setLong(4, createRevision);
        insert.setLong(5, prevRevision);
        insert.setLong(6, version);
        insert.setBytes(7, value);
        insert.executeUpdate();
    }

    /**
     * Opens a write transaction holding SQLite's write lock from its first statement on. A deferred transaction that
     * reads first and then writes must upgrade its lock, and SQLite refuses an upgrade at once, without the busy
     * timeout, when the lock is held for a moment: a reader re-reading a changing WAL index takes it briefly. Seen as
     * "[SQLITE_BUSY] The database file is locked" under CPU load; {@code BEGIN IMMEDIATE} waits for the lock instead.
     */
    private void begin() throws SQLException {
        control.execute("BEGIN IMMEDIATE");
        inTransaction = true;
    }

    private void commit() throws SQLException {
        control.execute("COMMIT");
        inTransaction = false;
    }

    private void rollbackQuietly() {
        if (!inTransaction) {
            return;
        }
        try {
            control.execute("ROLLBACK");
        } catch (SQLException e) {
            // SQLite ends a transaction itself on some errors (a full disk during COMMIT): nothing is left open
            log.warn("sqlite writer: rollback failed", e);
        } finally {
            inTransaction = false;
        }
    }

    private void failRemaining() {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.result().completeExceptionally(new StoreException("write " + p.op().key() + ": the store is closed"));
        }
    }

    /** Commits what is queued, then stops the thread and closes the connection. */
    @Override
    public void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        CompletableFuture<WriteResult> done = new CompletableFuture<>();
        queue.add(new Pending(new Op(Kind.STOP, null, null, 0), done));
        try {
            done.get();
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.warn("sqlite writer: stopping failed", e);
        }
        try {
            selectLatest.close();
            insert.close();
            connection.close();
        } catch (SQLException e) {
            log.debug("sqlite writer: closing the connection", e);
        }
    }
}
