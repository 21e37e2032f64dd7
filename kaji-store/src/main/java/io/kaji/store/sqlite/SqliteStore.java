package io.kaji.store.sqlite;

import io.kaji.store.CompactedException;
import io.kaji.store.Event;
import io.kaji.store.FutureRevisionException;
import io.kaji.store.KeyValue;
import io.kaji.store.Keys;
import io.kaji.store.RangeRequest;
import io.kaji.store.RangeResult;
import io.kaji.store.RevisionedStore;
import io.kaji.store.StoreException;
import io.kaji.store.Watch;
import io.kaji.store.WatchListener;
import io.kaji.store.WriteResult;
import io.kaji.store.internal.WatchHub;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The embedded store: one SQLite file ({@code <dir>/state.db}) in WAL mode, written by one thread with group
 * commit, read by a small pool of connections, watched in process without polling.
 *
 * <p>Only one process may open a directory at a time ({@code <dir>/store.lock}); a second one fails at once
 * with a message naming the directory.
 */
public final class SqliteStore implements RevisionedStore {

    private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);

    static final String DB_FILE = "state.db";
    private static final String LOCK_FILE = "store.lock";

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final BlockingQueue<Connection> readers;
    private final List<Connection> allReaders = new ArrayList<>();
    private final Writer writer;
    private final WatchHub hub;
    private volatile boolean closed;

    private SqliteStore(Path dir, SqliteOptions options) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            restrictToOwner(dir);
            lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                lockChannel.close();
                throw new StoreException("store " + dir + " is in use by another Kaji process"
                        + " (stop it, or choose another --data-dir)");
            }
            lock = l;
        } catch (IOException e) {
            throw new StoreException("store " + dir + ": cannot open: " + e.getMessage(), e);
        }
        String url = "jdbc:sqlite:" + dir.resolve(DB_FILE);
        try {
            Connection writeConnection = connect(url, options, false);
            Schema.create(writeConnection);
            // No other connection writes (store.lock), so these two reads need no common transaction. The
            // connection stays in auto-commit mode: the writer opens its transactions itself (BEGIN IMMEDIATE).
            long revision = queryLong(writeConnection, Schema.CURRENT_REVISION);
            long compactRevision = queryLong(writeConnection, Schema.COMPACT_REVISION);
            readers = new ArrayBlockingQueue<>(options.readConnections());
            for (int i = 0; i < options.readConnections(); i++) {
                Connection r = connect(url, options, true);
                allReaders.add(r);
                readers.add(r);
            }
            hub = new WatchHub(revision, options.maxWatchBacklog());
            writer = new Writer(writeConnection, options.maxBatch(), revision, compactRevision, hub);
            writer.start();
            log.info("sqlite store {} opened at revision {} (compacted to {})", dir, revision, compactRevision);
        } catch (SQLException e) {
            releaseLock();
            throw new StoreException("store " + dir + ": cannot open " + url + ": " + e.getMessage(), e);
        }
    }

    /** Opens (creating if needed) the store in {@code dir} with {@link SqliteOptions#defaults()}. */
    public static SqliteStore open(Path dir) {
        return open(dir, SqliteOptions.defaults());
    }

    public static SqliteStore open(Path dir, SqliteOptions options) {
        return new SqliteStore(dir, options);
    }

    /** The directory holding the database. */
    public Path directory() {
        return dir;
    }

    private static Connection connect(String url, SqliteOptions options, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(options.durableCommits() ? SQLiteConfig.SynchronousMode.FULL
                : SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        config.setCacheSize(-16_384); // 16 MiB page cache per connection
        if (readOnly) {
            config.setReadOnly(true);
        }
        return config.createConnection(url);
    }

    @Override
    public long currentRevision() {
        return writer.revision();
    }

    @Override
    public long compactRevision() {
        return writer.compactRevision();
    }

    @Override
    public Optional<KeyValue> get(String key, long revision) {
        Keys.validate(key);
        checkRevision(revision, "get " + key);
        return read("get " + key, c -> {
            long snapshot = snapshotRevision(c, revision);
            try (PreparedStatement ps = c.prepareStatement(Schema.SELECT_AT)) {
                ps.setString(1, key);
                ps.setLong(2, snapshot);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getInt(4) == 1) {
                        return Optional.empty();
                    }
                    return Optional.of(new KeyValue(key, rs.getBytes(5), rs.getLong(2), rs.getLong(1), rs.getLong(3)));
                }
            }
        });
    }

    @Override
    public RangeResult range(RangeRequest request) {
        String op = "range " + request.prefix();
        checkRevision(request.revision(), op);
        return read(op, c -> {
            long snapshot = snapshotRevision(c, request.revision());
            String end = Keys.prefixEnd(request.prefix());
            int limit = request.limit();
            List<KeyValue> kvs = new ArrayList<>();
            boolean more = false;
            // A page walks the index and stops at its limit; a whole (or very large) range is one grouped pass.
            boolean whole = limit == 0 || limit > 1000;
            String sql = request.startAfter() == null
                    ? (whole ? Schema.RANGE_ALL_FROM : Schema.RANGE_FROM)
                    : (whole ? Schema.RANGE_ALL_AFTER : Schema.RANGE_AFTER);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, request.startAfter() == null ? request.prefix() : request.startAfter());
                ps.setString(2, end);
                ps.setLong(3, snapshot);
                ps.setLong(4, limit == 0 ? -1 : limit + 1L);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (limit > 0 && kvs.size() == limit) {
                            more = true;
                            break;
                        }
                        kvs.add(new KeyValue(rs.getString(2), rs.getBytes(5), rs.getLong(3), rs.getLong(1), rs.getLong(4)));
                    }
                }
            }
            long count = -1;
            if (request.countTotal()) {
                try (PreparedStatement ps = c.prepareStatement(Schema.COUNT)) {
                    ps.setString(1, request.prefix());
                    ps.setString(2, end);
                    ps.setLong(3, snapshot);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        count = rs.getLong(1);
                    }
                }
            }
            return new RangeResult(kvs, snapshot, more, count);
        });
    }

    @Override
    public WriteResult create(String key, byte[] value) {
        Keys.validate(key);
        Keys.validateValue(key, value);
        return writer.submit(new Writer.Op(Writer.Kind.CREATE, key, value.clone(), 0));
    }

    @Override
    public WriteResult update(String key, byte[] value, long expectedModRevision) {
        Keys.validate(key);
        Keys.validateValue(key, value);
        return writer.submit(new Writer.Op(Writer.Kind.UPDATE, key, value.clone(), expectedModRevision));
    }

    @Override
    public WriteResult delete(String key, long expectedModRevision) {
        Keys.validate(key);
        return writer.submit(new Writer.Op(Writer.Kind.DELETE, key, null, expectedModRevision));
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        Keys.validatePrefix(prefix);
        if (afterRevision < 0) {
            throw new IllegalArgumentException("watch " + prefix + ": revision must be >= 0, got " + afterRevision);
        }
        ensureOpen();
        return hub.watch(prefix, afterRevision, listener, this::history);
    }

    /** Changes under a prefix with revision in (from, to], in order; fails if (from, to] was compacted. */
    private List<Event> history(String prefix, long from, long to) {
        long compacted = writer.compactRevision();
        if (from < compacted) {
            throw new CompactedException(from, compacted);
        }
        List<Event> events = read("watch " + prefix, c -> {
            List<Event> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(Schema.HISTORY)) {
                ps.setLong(1, from);
                ps.setLong(2, to);
                ps.setString(3, prefix);
                ps.setString(4, Keys.prefixEnd(prefix));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(eventFromHistoryRow(rs));
                    }
                }
            }
            return out;
        });
        // A compaction that ran while we read may have removed rows we needed: report it rather than a gap.
        long compactedAfter = writer.compactRevision();
        if (from < compactedAfter) {
            throw new CompactedException(from, compactedAfter);
        }
        return events;
    }

    private static Event eventFromHistoryRow(ResultSet rs) throws SQLException {
        long id = rs.getLong(1);
        String name = rs.getString(2);
        boolean deleted = rs.getInt(5) == 1;
        KeyValue prev = null;
        long prevId = rs.getLong(7);
        if (!rs.wasNull() && rs.getInt(10) == 0) {
            prev = new KeyValue(name, rs.getBytes(11), rs.getLong(8), prevId, rs.getLong(9));
        }
        if (deleted) {
            return new Event(Event.Type.DELETE, new KeyValue(name, null, 0, id, 0), prev);
        }
        return new Event(Event.Type.PUT, new KeyValue(name, rs.getBytes(6), rs.getLong(3), id, rs.getLong(4)), prev);
    }

    @Override
    public void compact(long revision) {
        ensureOpen();
        writer.compact(revision);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        hub.close();
        writer.close();
        for (Connection c : allReaders) {
            try {
                c.close();
            } catch (SQLException e) {
                log.debug("closing a read connection of {}", dir, e);
            }
        }
        releaseLock();
        log.info("sqlite store {} closed at revision {}", dir, writer.revision());
    }

    private void releaseLock() {
        try {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
        } catch (IOException e) {
            log.debug("releasing the lock of {}", dir, e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreException("store " + dir + " is closed");
        }
    }

    private void checkRevision(long revision, String op) {
        if (revision < 0) {
            throw new IllegalArgumentException(op + ": revision must be >= 0, got " + revision);
        }
        long compacted = writer.compactRevision();
        if (revision != 0 && revision < compacted) {
            throw new CompactedException(revision, compacted);
        }
    }

    /** The revision a read is served at: the one asked for, or the snapshot's latest. */
    private static long snapshotRevision(Connection c, long requested) throws SQLException {
        long latest = queryLong(c, Schema.CURRENT_REVISION);
        if (requested > latest) {
            throw new FutureRevisionException(requested, latest);
        }
        return requested == 0 ? latest : requested;
    }

    private static long queryLong(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @FunctionalInterface
    private interface ReadWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs a read in one transaction (one consistent snapshot) on a pooled connection. */
    private <T> T read(String op, ReadWork<T> work) {
        ensureOpen();
        Connection c;
        try {
            c = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(op + ": interrupted while waiting for a read connection", e);
        }
        try {
            c.setAutoCommit(false);
            try {
                return work.run(c);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException(op + ": " + e.getMessage(), e);
        } finally {
            readers.add(c);
        }
    }

    /**
     * The store holds every object of the cluster (Secrets too, encrypted or not): its directory is the owner's only
     * (0700, as CIS 1.1.11 asks of etcd's data directory), also when an earlier version created it 0755.
     */
    private static void restrictToOwner(Path dir) {
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: nothing to tighten
        }
    }
}
