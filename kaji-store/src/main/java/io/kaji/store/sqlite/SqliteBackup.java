package io.kaji.store.sqlite;

import io.kaji.store.Keys;
import io.kaji.store.StoreException;
import io.kaji.store.backup.BackupFiles;
import io.kaji.store.backup.BackupManifest;
import io.kaji.store.backup.BackupProgress;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteOpenMode;

/**
 * Backup and restore of the embedded store ({@link SqliteStore}'s directory).
 *
 * <p><b>Backup</b> works while a server has the store open: SQLite's online backup API copies every page in
 * one step, inside one read transaction, which under WAL is one consistent snapshot (the writer keeps
 * committing meanwhile), into a temporary file that is switched to a self-contained rollback-journal file,
 * fsynced and renamed onto the output. The backup is a plain SQLite database; its revision is the snapshot's last revision.
 *
 * <p><b>Restore</b> needs the target store closed (it takes the store's lock file, as {@link SqliteStore}
 * does), builds the new store beside it and swaps directories, keeping a replaced store as
 * {@code <dir>.bak-<time>}. By default the revision is bumped and everything before it marked compacted, as
 * {@code etcdutl snapshot restore --bump-revision --mark-compacted} does: see {@link RestoreOptions}.
 *
 * <p>Both are blocking and meant for the CLI; they are safe to call from any thread.
 */
public final class SqliteBackup {

    private static final Logger log = LoggerFactory.getLogger(SqliteBackup.class);

    /** etcd's recommended bump for Kubernetes restores: more revisions than any cluster writes between backups. */
    public static final long DEFAULT_BUMP_REVISION = 1_000_000_000L;

    /** A target that holds something, at a revision that cannot be read. */
    private static final long UNKNOWN = Long.MAX_VALUE;

    private static final DateTimeFormatter BAK_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private SqliteBackup() {
    }

    /**
     * How to restore.
     *
     * @param force        replace a store that holds data (it is kept as {@code <dir>.bak-<time>})
     * @param bumpRevision added to the backup's revision before the store hands out new ones. Clients of the
     *                     old server (informers, agents) may hold resourceVersions up to the revision the old
     *                     store reached after the backup; without a bump the restored store would give those
     *                     numbers again to different changes, and a watch resumed from one would silently miss
     *                     events. With a bump &gt; 0 the history up to the new start is also marked compacted,
     *                     so such a watch gets 410 Gone and re-lists. 0 keeps the exact revision and history
     *                     (right for a fresh cluster that no client has seen). When the replaced store had
     *                     reached a higher revision than backup + bump, the bump is raised to reach it.
     */
    public record RestoreOptions(boolean force, long bumpRevision) {
        public RestoreOptions {
            if (bumpRevision < 0) {
                throw new IllegalArgumentException("--bump-revision must be >= 0, got " + bumpRevision);
            }
        }

        public static RestoreOptions defaults() {
            return new RestoreOptions(false, DEFAULT_BUMP_REVISION);
        }

        public RestoreOptions withForce(boolean f) {
            return new RestoreOptions(f, bumpRevision);
        }

        public RestoreOptions withBumpRevision(long bump) {
            return new RestoreOptions(force, bump);
        }
    }

    /**
     * What a restore did.
     *
     * @param backupRevision the revision the backup holds
     * @param startRevision  the restored store's current revision (backup revision + the bump applied); the
     *                       next write gets the one after
     * @param markedCompacted whether history up to {@code startRevision} was marked compacted
     * @param keys           live keys restored
     * @param replacedStore  where the replaced store was moved, or {@code null} when there was none
     */
    public record RestoreResult(long backupRevision, long startRevision, boolean markedCompacted, long keys,
                                Path replacedStore) {}

    /**
     * Writes a consistent copy of the store in {@code storeDir} to {@code output} (replacing it) and its manifest
     * to {@code output.json}; works while a server has the store open.
     *
     * @throws StoreException with an actionable message when there is no store, the output cannot be written,
     *                        or SQLite fails
     */
    public static BackupManifest backup(Path storeDir, Path output, String kajiVersion, BackupProgress progress) {
        Path db = storeDir.resolve(SqliteStore.DB_FILE);
        if (!Files.isRegularFile(db)) {
            throw new StoreException("no Kaji store in " + storeDir + " (no " + SqliteStore.DB_FILE
                    + "); check --data-dir (the store is <data-dir>/db)");
        }
        BackupFiles.checkWritableTarget(output);
        if (BackupFiles.parentOf(output).normalize().startsWith(storeDir.toAbsolutePath().normalize())) {
            throw new StoreException("cannot write backup " + output + " inside the store directory " + storeDir
                    + "; choose a file outside it");
        }
        Path temp = BackupFiles.temporarySibling(output);
        try {
            BackupFiles.createPrivate(temp);
            long expected = Files.size(db) + sizeOrZero(storeDir.resolve(SqliteStore.DB_FILE + "-wal"));
            long t0 = System.nanoTime();
            try (Connection source = open(db, false)) {
                copyWithProgress(source, temp, expected, progress);
            }
            long t1 = System.nanoTime();
            Snapshot snap;
            try (Connection copy = open(temp, false)) {
                try (Statement s = copy.createStatement()) {
                    // A self-contained single file, whatever journal mode the source used.
                    s.execute("PRAGMA journal_mode=DELETE");
                }
                snap = Snapshot.read(copy, db);
            }
            long t2 = System.nanoTime();
            BackupFiles.commit(temp, output);
            long t3 = System.nanoTime();
            long bytes = Files.size(output);
            BackupManifest manifest = new BackupManifest(BackupManifest.Kind.SQLITE, snap.revision(), true,
                    snap.revision(), snap.keys(), bytes, BackupFiles.sha256(output), Instant.now(), kajiVersion,
                    storeDir.toAbsolutePath().toString());
            manifest.writeFor(output);
            log.debug("backup of {}: copy {} ms, read revision and count {} ms, fsync and rename {} ms, checksum {} ms",
                    storeDir, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000,
                    (System.nanoTime() - t3) / 1_000_000);
            return manifest;
        } catch (SQLException e) {
            throw new StoreException("backup of " + storeDir + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreException("backup of " + storeDir + " to " + output + " failed: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: a leftover .tmp file is replaced by the next backup
            }
        }
    }

    private static void copyWithProgress(Connection source, Path temp, long expected, BackupProgress progress)
            throws SQLException {
        Thread watcher = Thread.ofVirtual().name("kaji-backup-progress").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                progress.update(sizeOrZero(temp), expected);
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            // SQLite's online backup API, all pages in one step: one read transaction, so one consistent snapshot
            // however busy the writer is (a stepwise copy restarts on every commit of another connection).
            // VACUUM INTO is just as consistent but rebuilds every index: about twice as slow here.
            int rc = ((SQLiteConnection) source).getDatabase().backup("main", temp.toAbsolutePath().toString(),
                    null, 100, 100, -1);
            if (rc != 0) {
                throw new SQLException("sqlite backup failed with code " + rc);
            }
        } finally {
            watcher.interrupt();
        }
        progress.update(sizeOrZero(temp), expected);
    }

    /**
     * Restores the SQLite backup {@code input} as the store in {@code storeDir}.
     *
     * @throws StoreException when the input is missing, not a Kaji SQLite backup or damaged, when a server has
     *                        the target open, or when the target holds data and {@code force} is not set
     */
    public static RestoreResult restore(Path input, Path storeDir, RestoreOptions options) {
        checkInput(input);
        Path absDir = storeDir.toAbsolutePath().normalize();
        Path parent = BackupFiles.parentOf(absDir);
        Path staging = parent.resolve("." + absDir.getFileName() + ".restore-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(parent);
            try (StoreLock lock = StoreLock.acquire(absDir)) {
                long oldRevision = lock == null ? -1 : existingRevision(absDir);
                if (oldRevision > 0 && !options.force()) {
                    throw new StoreException("restore: " + absDir + " already holds a store"
                            + (oldRevision == UNKNOWN ? "" : " at revision " + oldRevision)
                            + "; pass --force to replace it (it is kept as " + absDir.getFileName() + ".bak-<time>)");
                }
                deleteRecursively(staging);
                Files.createDirectories(staging);
                Path db = staging.resolve(SqliteStore.DB_FILE);
                long t0 = System.nanoTime();
                Files.copy(input, db, StandardCopyOption.REPLACE_EXISTING);
                long t1 = System.nanoTime();
                RestoreResult prepared;
                try (Connection c = open(db, false)) {
                    prepared = prepare(c, input, options.bumpRevision(), oldRevision == UNKNOWN ? 0 : oldRevision);
                }
                long t2 = System.nanoTime();
                BackupFiles.fsync(db);
                BackupFiles.fsync(staging);
                log.debug("restore of {}: copy {} ms, check and bump {} ms, fsync {} ms", input, (t1 - t0) / 1_000_000,
                        (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
                Path replaced = null;
                if (oldRevision > 0) {
                    replaced = parent.resolve(absDir.getFileName() + ".bak-" + BAK_TIME.format(Instant.now()));
                    Files.move(absDir, replaced, StandardCopyOption.ATOMIC_MOVE);
                } else if (Files.exists(absDir)) {
                    removeEmptyStore(absDir);
                }
                Files.move(staging, absDir, StandardCopyOption.ATOMIC_MOVE);
                BackupFiles.fsync(parent);
                return new RestoreResult(prepared.backupRevision(), prepared.startRevision(),
                        prepared.markedCompacted(), prepared.keys(), replaced);
            }
        } catch (SQLException e) {
            throw new StoreException("restore of " + input + " failed: " + e.getMessage()
                    + " (is it a Kaji SQLite backup?)", e);
        } catch (IOException e) {
            throw new StoreException("restore of " + input + " into " + absDir + " failed: " + e, e);
        } finally {
            try {
                deleteRecursively(staging);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private static void checkInput(Path input) {
        switch (BackupFiles.detect(input)) {
            case SQLITE -> { }
            case ETCD_SNAPSHOT -> throw new StoreException(input + " is an etcd snapshot, not a SQLite backup; restore"
                    + " it into etcd (kaji store restore --store etcd --input " + input + " prints the command)");
            default -> throw new StoreException(input + " is neither a Kaji SQLite backup nor an etcd snapshot");
        }
        BackupManifest.readFor(input).ifPresent(m -> {
            if (m.kind() != BackupManifest.Kind.SQLITE) {
                throw new StoreException(BackupManifest.sidecarOf(input) + " describes an " + m.kind().name()
                        .toLowerCase() + " backup, but " + input + " is a SQLite database; is the manifest stale?");
            }
            if (!m.sha256().isEmpty() && !m.sha256().equals(BackupFiles.sha256(input))) {
                throw new StoreException(input + " does not match the checksum in " + BackupManifest.sidecarOf(input)
                        + ": the file is damaged or was replaced (delete the .json to restore it anyway)");
            }
        });
    }

    /** Validates the copied backup and applies the revision bump. */
    private static RestoreResult prepare(Connection c, Path input, long bump, long oldRevision) throws SQLException {
        Snapshot snap = Snapshot.read(c, input);
        long revision = snap.revision();
        long effectiveBump = bump;
        if (oldRevision > revision + bump) {
            effectiveBump = oldRevision - revision;
        }
        if (effectiveBump == 0) {
            return new RestoreResult(revision, revision, false, snap.keys(), null);
        }
        long start = revision + effectiveBump;
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM sqlite_sequence WHERE name = 'kv'");
            s.executeUpdate("INSERT INTO sqlite_sequence (name, seq) VALUES ('kv', " + start + ")");
        }
        // Drop what no read can see any more (tombstones, superseded versions): the compaction to `revision`
        // that the store's own compactor would do, so that history is not kept forever below the new start.
        try (PreparedStatement ps = c.prepareStatement(Schema.COMPACT_CHUNK)) {
            ps.setLong(1, snap.compactRevision());
            ps.setLong(2, revision);
            ps.setLong(3, revision);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(Schema.SET_COMPACT_REVISION)) {
            ps.setLong(1, start);
            ps.executeUpdate();
        }
        c.commit();
        c.setAutoCommit(true);
        return new RestoreResult(revision, start, true, snap.keys(), null);
    }

    /** The revision of the store in {@code dir}, 0 when it has none or is empty. */
    private static long existingRevision(Path dir) throws SQLException {
        Path db = dir.resolve(SqliteStore.DB_FILE);
        if (!Files.isRegularFile(db)) {
            return Files.exists(dir.resolve(SqliteStore.DB_FILE + "-wal")) ? UNKNOWN : 0;
        }
        try (Connection c = open(db, false); PreparedStatement ps = c.prepareStatement(Schema.CURRENT_REVISION);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            // Something is there but not readable as a store: treat it as data, never delete it silently.
            return UNKNOWN;
        }
    }

    /** Removes a store directory that holds no data (only an empty database, the lock file, SQLite's side files). */
    private static void removeEmptyStore(Path dir) throws IOException {
        for (String name : List.of(SqliteStore.DB_FILE, SqliteStore.DB_FILE + "-wal", SqliteStore.DB_FILE + "-shm",
                "store.lock")) {
            Files.deleteIfExists(dir.resolve(name));
        }
        try (Stream<Path> rest = Files.list(dir)) {
            List<Path> left = rest.toList();
            if (!left.isEmpty()) {
                throw new StoreException("restore: " + dir + " holds files that are not a Kaji store (" + left.get(0)
                        + "); choose another --data-dir or move them away");
            }
        }
        Files.delete(dir);
    }

    /** What a backup database holds. */
    record Snapshot(long revision, long compactRevision, long keys) {
        static Snapshot read(Connection c, Path file) throws SQLException {
            try {
                long version = queryLong(c, "SELECT value FROM meta WHERE name = 'schema_version'");
                if (version > Schema.VERSION) {
                    throw new StoreException(file + " was written by a newer Kaji (store schema " + version
                            + ", this one reads " + Schema.VERSION + "); restore it with that version");
                }
                long revision = queryLong(c, Schema.CURRENT_REVISION);
                long compact = queryLong(c, Schema.COMPACT_REVISION);
                long keys;
                try (PreparedStatement ps = c.prepareStatement(Schema.COUNT)) {
                    ps.setString(1, "/");
                    ps.setString(2, Keys.prefixEnd("/"));
                    ps.setLong(3, revision);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        keys = rs.getLong(1);
                    }
                }
                return new Snapshot(revision, compact, keys);
            } catch (SQLException e) {
                if (String.valueOf(e.getMessage()).contains("no such table")) {
                    throw new StoreException(file + " is a SQLite database but not a Kaji store (" + e.getMessage()
                            + ")", e);
                }
                throw e;
            }
        }
    }

    private static long queryLong(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("no row for " + sql);
            }
            return rs.getLong(1);
        }
    }

    private static Connection open(Path db, boolean create) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(10_000);
        if (!create) {
            config.resetOpenMode(SQLiteOpenMode.CREATE);
        }
        return config.createConnection("jdbc:sqlite:" + db.toAbsolutePath());
    }

    private static long sizeOrZero(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The store's lock file, held while a restore replaces the directory; {@code null} when there is no store. */
    private static final class StoreLock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private StoreLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        static StoreLock acquire(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                return null;
            }
            FileChannel ch = FileChannel.open(dir.resolve("store.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                ch.close();
                throw new StoreException("restore: the store " + dir + " is in use by a running Kaji server; stop it"
                        + " first (kaji down, or systemctl stop kaji-server)");
            }
            return new StoreLock(ch, l);
        }

        @Override
        public void close() throws IOException {
            if (lock.isValid()) {
                lock.release();
            }
            channel.close();
        }
    }
}
