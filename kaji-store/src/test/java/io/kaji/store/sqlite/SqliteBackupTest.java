package io.kaji.store.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.store.CompactedException;
import io.kaji.store.EventCollector;
import io.kaji.store.KeyValue;
import io.kaji.store.RangeRequest;
import io.kaji.store.StoreException;
import io.kaji.store.WriteResult;
import io.kaji.store.backup.BackupManifest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteBackupTest {

    private static final SqliteOptions FAST = SqliteOptions.defaults().withDurableCommits(false);

    @TempDir
    Path tmp;

    @Test
    void backupWhileEightWritersWriteHoldsExactlyItsRevision() throws Exception {
        Path live = tmp.resolve("live");
        Path file = tmp.resolve("backup.db");
        try (SqliteStore store = SqliteStore.open(live, FAST)) {
            for (int i = 0; i < 3000; i++) {
                store.create("/registry/configmaps/ns/pre-" + i, ("v" + i).getBytes(UTF_8));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong writes = new AtomicLong();
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                writers.add(Thread.ofPlatform().start(() -> writeUntil(store, id, stop, writes)));
            }
            while (writes.get() < 2000) {
                Thread.sleep(5);
            }
            long before = store.currentRevision();
            BackupManifest m = SqliteBackup.backup(live, file, "test", (d, t) -> { });
            long after = store.currentRevision();
            long writesDuring = writes.get();
            Thread.sleep(200);
            stop.set(true);
            for (Thread w : writers) {
                w.join();
            }
            assertThat(writes.get()).as("writers kept writing after the backup").isGreaterThan(writesDuring);
            assertThat(m.revision()).isBetween(before, after);
            assertThat(store.currentRevision()).isGreaterThan(m.revision());

            // The backup holds exactly the live store's state at its revision, and nothing later.
            List<KeyValue> expected = store.range(RangeRequest.prefix("/").atRevision(m.revision())).kvs();
            Path restored = tmp.resolve("restored");
            SqliteBackup.restore(file, restored, SqliteBackup.RestoreOptions.defaults().withBumpRevision(0));
            try (SqliteStore copy = SqliteStore.open(restored, FAST)) {
                assertThat(copy.currentRevision()).isEqualTo(m.revision());
                List<KeyValue> actual = copy.range(RangeRequest.prefix("/")).kvs();
                assertThat(actual).hasSize(expected.size()).containsExactlyElementsOf(expected);
                assertThat(actual).allSatisfy(kv -> assertThat(kv.modRevision()).isLessThanOrEqualTo(m.revision()));
            }
            assertThat(m.keys()).isEqualTo(expected.size());
            assertThat(m.kind()).isEqualTo(BackupManifest.Kind.SQLITE);
            assertThat(m.bytes()).isEqualTo(Files.size(file));
            assertThat(BackupManifest.readFor(file)).contains(m);
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .as("a backup holds the cluster's Secrets").isEqualTo("rw-------");
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "live", "backup.db", "backup.db.json", "restored");
        }
    }

    @Test
    void backupOfAStoreAnotherProcessIsWritingMatchesItsAcknowledgements() throws Exception {
        Path live = tmp.resolve("live");
        Path file = tmp.resolve("backup.db");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(javaBin, "-cp", System.getProperty("java.class.path"),
                DurabilityWriter.class.getName(), live.toString(), "8"))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        java.util.Map<String, Long> acked = new java.util.HashMap<>();
        BackupManifest m;
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), UTF_8))) {
            readAcks(in, acked, 1000);
            m = SqliteBackup.backup(live, file, "test", (d, t) -> { });
            // The server process holds the store: a restore into it is refused.
            assertThatThrownBy(() -> SqliteBackup.restore(file, live,
                    SqliteBackup.RestoreOptions.defaults().withForce(true)))
                    .hasMessageContaining("is in use by a running Kaji server");
            readAcks(in, acked, acked.size() + 2000);
        } finally {
            p.destroyForcibly();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        long revision = m.revision();
        assertThat(acked.values()).anyMatch(r -> r > revision);
        Path restored = tmp.resolve("restored");
        SqliteBackup.restore(file, restored, SqliteBackup.RestoreOptions.defaults().withBumpRevision(0));
        try (SqliteStore copy = SqliteStore.open(restored, FAST)) {
            List<KeyValue> kvs = copy.range(RangeRequest.prefix("/registry/")).kvs();
            // Every write is a create of a new key: the snapshot at N holds exactly the writes 1..N.
            assertThat(kvs).hasSize((int) revision);
            assertThat(kvs.stream().map(KeyValue::modRevision).sorted().toList())
                    .isEqualTo(java.util.stream.LongStream.rangeClosed(1, revision).boxed().toList());
            java.util.Map<String, Long> inBackup = new java.util.HashMap<>();
            kvs.forEach(kv -> inBackup.put(kv.key(), kv.modRevision()));
            acked.forEach((key, rev) -> {
                if (rev <= revision) {
                    assertThat(inBackup).containsEntry(key, rev);
                } else {
                    assertThat(inBackup).doesNotContainKey(key);
                }
            });
        }
    }

    private static void readAcks(java.io.BufferedReader in, java.util.Map<String, Long> acked, int until)
            throws java.io.IOException {
        String line;
        while (acked.size() < until && (line = in.readLine()) != null) {
            if (line.startsWith("ACK ")) {
                String[] f = line.split(" ");
                if (Boolean.parseBoolean(f[3])) {
                    acked.put(f[1], Long.parseLong(f[2]));
                }
            }
        }
        assertThat(acked.size()).as("the writer process kept acknowledging").isGreaterThanOrEqualTo(until);
    }

    private static void writeUntil(SqliteStore store, int id, AtomicBoolean stop, AtomicLong writes) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int n = 0;
        while (!stop.get()) {
            String key = "/registry/pods/ns" + id + "/p" + (n++ % 400);
            var current = store.get(key);
            WriteResult w;
            if (current.isEmpty()) {
                w = store.create(key, ("c" + n).getBytes(UTF_8));
            } else if (r.nextInt(4) == 0) {
                w = store.delete(key, current.get().modRevision());
            } else {
                w = store.update(key, ("u" + n).getBytes(UTF_8), current.get().modRevision());
            }
            if (w instanceof WriteResult.Written) {
                writes.incrementAndGet();
            }
        }
    }

    @Test
    void restoreWithoutBumpContinuesAtTheBackedUpRevision() {
        Path file = backupOf(tmp.resolve("a"), 50);
        Path target = tmp.resolve("data/db");
        SqliteBackup.RestoreResult r = SqliteBackup.restore(file, target,
                SqliteBackup.RestoreOptions.defaults().withBumpRevision(0));
        assertThat(r.backupRevision()).isEqualTo(52); // 50 creates, an update, a delete
        assertThat(r.startRevision()).isEqualTo(52);
        assertThat(r.markedCompacted()).isFalse();
        assertThat(r.keys()).isEqualTo(49);
        assertThat(r.replacedStore()).isNull();
        try (SqliteStore s = SqliteStore.open(target, FAST)) {
            assertThat(s.currentRevision()).isEqualTo(52);
            assertThat(s.get("/registry/k/0").orElseThrow().valueAsString()).isEqualTo("updated");
            assertThat(s.get("/registry/k/1")).isEmpty();
            assertThat(((WriteResult.Written) s.create("/registry/k/new", new byte[] {1})).revision()).isEqualTo(53);
            // History is intact: a watch from an old revision replays it.
            EventCollector c = new EventCollector();
            s.watch("/registry/", 49, c);
            assertThat(c.awaitEvents(4)).extracting(e -> e.kv().modRevision()).containsExactly(50L, 51L, 52L, 53L);
        }
    }

    @Test
    void restoreBumpsTheRevisionAndMarksOldHistoryCompacted() {
        Path file = backupOf(tmp.resolve("a"), 50);
        Path target = tmp.resolve("db");
        SqliteBackup.RestoreResult r = SqliteBackup.restore(file, target, SqliteBackup.RestoreOptions.defaults());
        long start = 52 + SqliteBackup.DEFAULT_BUMP_REVISION;
        assertThat(r.startRevision()).isEqualTo(start);
        assertThat(r.markedCompacted()).isTrue();
        try (SqliteStore s = SqliteStore.open(target, FAST)) {
            assertThat(s.currentRevision()).isEqualTo(start);
            assertThat(s.compactRevision()).isEqualTo(start);
            assertThat(s.range(RangeRequest.prefix("/registry/")).kvs()).hasSize(49);
            // A client that saw a revision of the old server re-lists (410 Gone) instead of missing events.
            EventCollector old = new EventCollector();
            s.watch("/registry/", 60, old);
            assertThat(old.awaitError()).isInstanceOf(CompactedException.class);
            EventCollector fresh = new EventCollector();
            s.watch("/registry/", start, fresh);
            WriteResult w = s.create("/registry/k/new", new byte[] {1});
            assertThat(((WriteResult.Written) w).revision()).isEqualTo(start + 1);
            assertThat(fresh.awaitEvents(1).get(0).kv().key()).isEqualTo("/registry/k/new");
            // The restore compacted the backup's history: superseded versions and tombstones are gone.
            s.compact(start + 1);
        }
        assertThat(rowCount(target)).isEqualTo(50); // 49 live keys + the new one; no tombstone, no old version
    }

    @Test
    void refusesAStoreThatAServerHasOpen() {
        Path file = backupOf(tmp.resolve("a"), 5);
        Path target = tmp.resolve("busy");
        try (SqliteStore running = SqliteStore.open(target, FAST)) {
            assertThatThrownBy(() -> SqliteBackup.restore(file, target,
                    SqliteBackup.RestoreOptions.defaults().withForce(true)))
                    .isInstanceOf(StoreException.class)
                    .hasMessage("restore: the store " + target + " is in use by a running Kaji server; stop it first"
                            + " (kaji down, or systemctl stop kaji-server)");
            assertThat(running.currentRevision()).isZero();
        }
    }

    @Test
    void refusesANonEmptyTargetUnlessForcedAndKeepsTheOldOne() throws Exception {
        Path file = backupOf(tmp.resolve("a"), 5); // revision 7
        Path target = tmp.resolve("db");
        try (SqliteStore other = SqliteStore.open(target, FAST)) {
            for (int i = 0; i < 20; i++) {
                other.create("/registry/other/" + i, new byte[] {2});
            }
        }
        assertThatThrownBy(() -> SqliteBackup.restore(file, target,
                SqliteBackup.RestoreOptions.defaults().withBumpRevision(0)))
                .hasMessage("restore: " + target + " already holds a store at revision 20; pass --force to replace it"
                        + " (it is kept as db.bak-<time>)");

        SqliteBackup.RestoreResult r = SqliteBackup.restore(file, target,
                SqliteBackup.RestoreOptions.defaults().withBumpRevision(0).withForce(true));
        // The replaced store had handed out revisions up to 20: the restored one starts there, not at 7.
        assertThat(r.backupRevision()).isEqualTo(7);
        assertThat(r.startRevision()).isEqualTo(20);
        assertThat(r.markedCompacted()).isTrue();
        assertThat(r.replacedStore().getFileName().toString()).matches("db\\.bak-\\d{8}-\\d{6}");
        try (SqliteStore old = SqliteStore.open(r.replacedStore(), FAST)) {
            assertThat(old.range(RangeRequest.prefix("/registry/other/")).kvs()).hasSize(20);
        }
        try (SqliteStore s = SqliteStore.open(target, FAST)) {
            assertThat(s.currentRevision()).isEqualTo(20);
            assertThat(s.range(RangeRequest.prefix("/registry/")).kvs()).extracting(KeyValue::key)
                    .allMatch(k -> k.startsWith("/registry/k/")).hasSize(4);
        }
    }

    @Test
    void anEmptyStoreDirectoryIsReplacedWithoutForce() {
        Path file = backupOf(tmp.resolve("a"), 3);
        Path target = tmp.resolve("db");
        SqliteStore.open(target, FAST).close();
        SqliteBackup.RestoreResult r = SqliteBackup.restore(file, target,
                SqliteBackup.RestoreOptions.defaults().withBumpRevision(0));
        assertThat(r.replacedStore()).isNull();
        assertThat(r.startRevision()).isEqualTo(5);
    }

    @Test
    void errorsSayWhatIsWrong() throws Exception {
        Path file = backupOf(tmp.resolve("a"), 3);
        Path target = tmp.resolve("db");
        var opts = SqliteBackup.RestoreOptions.defaults();

        assertThatThrownBy(() -> SqliteBackup.restore(tmp.resolve("nope.db"), target, opts))
                .hasMessage("backup file " + tmp.resolve("nope.db") + " does not exist");

        Path text = Files.writeString(tmp.resolve("notes.txt"), "hello, this is not a database at all");
        assertThatThrownBy(() -> SqliteBackup.restore(text, target, opts))
                .hasMessage(text + " is neither a Kaji SQLite backup nor an etcd snapshot");

        Path bolt = tmp.resolve("etcd.snap");
        ByteBuffer page = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        page.putInt(16, 0xED0CDAED);
        Files.write(bolt, page.array());
        assertThatThrownBy(() -> SqliteBackup.restore(bolt, target, opts))
                .hasMessageStartingWith(bolt + " is an etcd snapshot, not a SQLite backup; restore it into etcd");

        Path other = tmp.resolve("other.db");
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + other)) {
            c.createStatement().execute("CREATE TABLE t (x)");
        }
        assertThatThrownBy(() -> SqliteBackup.restore(other, target, opts))
                .hasMessageContaining(other + " is a SQLite database but not a Kaji store");

        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 1;
        Files.write(file, bytes);
        assertThatThrownBy(() -> SqliteBackup.restore(file, target, opts))
                .hasMessageStartingWith(file + " does not match the checksum in " + file + ".json");
        assertThat(target).doesNotExist();

        assertThatThrownBy(() -> SqliteBackup.backup(tmp.resolve("empty"), tmp.resolve("x.db"), "t", (d, t) -> { }))
                .hasMessage("no Kaji store in " + tmp.resolve("empty") + " (no state.db); check --data-dir (the store"
                        + " is <data-dir>/db)");
        assertThatThrownBy(() -> SqliteBackup.backup(tmp.resolve("a"), tmp.resolve("a/state.db"), "t", (d, t) -> { }))
                .hasMessage("cannot write backup " + tmp.resolve("a/state.db") + " inside the store directory "
                        + tmp.resolve("a") + "; choose a file outside it");
        assertThatThrownBy(() -> SqliteBackup.backup(tmp.resolve("a"), tmp.resolve("no/such/x.db"), "t", (d, t) -> { }))
                .hasMessage("cannot write backup " + tmp.resolve("no/such/x.db") + ": directory "
                        + tmp.resolve("no/such") + " does not exist (create it first)");
    }

    /** A store with {@code n} keys, key 0 updated and key 1 deleted, backed up to {@code dir}.db. */
    private static Path backupOf(Path dir, int n) {
        try (SqliteStore s = SqliteStore.open(dir, FAST)) {
            for (int i = 0; i < n; i++) {
                s.create("/registry/k/" + i, ("v" + i).getBytes(UTF_8));
            }
            s.update("/registry/k/0", "updated".getBytes(UTF_8), 1);
            s.delete("/registry/k/1", 2);
            Path file = dir.resolveSibling(dir.getFileName() + ".db");
            SqliteBackup.backup(dir, file, "test", (d, t) -> { });
            return file;
        }
    }

    private static long rowCount(Path storeDir) {
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + storeDir.resolve("state.db"));
             var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM kv")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }
}
