package io.kaji.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.cli.KajiCommandTest.Run;
import io.kaji.store.RangeRequest;
import io.kaji.store.etcd.EtcdOptions;
import io.kaji.store.etcd.EtcdStore;
import io.kaji.store.etcd.LocalEtcdCluster;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kaji store backup} and {@code kaji store restore}: arguments, output and one-line errors. */
class StoreBackupCommandTest {

    @TempDir
    Path tmp;

    private static Run run(String... args) {
        return KajiCommandTest.run(args);
    }

    @Test
    void backupAndRestoreASqliteStore() throws Exception {
        Path server = tmp.resolve("server");
        try (SqliteStore s = SqliteStore.open(server.resolve("db"))) {
            for (int i = 0; i < 30; i++) {
                s.create("/registry/configmaps/ns/c" + i, ("v" + i).getBytes(UTF_8));
            }
        }
        Path file = tmp.resolve("kaji.db");
        Run b = run("store", "backup", "--data-dir", server.toString(), "--output", file.toString());
        assertThat(b.exitCode()).as(b.err()).isZero();
        assertThat(b.out().strip()).matches("backed up revision 30, 30 keys, [\\d,]+ bytes in \\d+ ms to "
                + file + " \\(manifest kaji.db.json\\)");
        assertThat(Files.readString(tmp.resolve("kaji.db.json"))).contains("\"kind\": \"sqlite\"", "\"revision\": 30");

        Path restored = tmp.resolve("restored");
        Run r = run("store", "restore", "--input", file.toString(), "--data-dir", restored.toString(),
                "--bump-revision", "0");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("restored revision 30 (30 keys) into " + restored.resolve("db"))
                .contains("the store continues at revision 30 with its history");

        // Into the original data dir: it holds data, so --force is needed, and the old store is kept.
        Run refused = run("store", "restore", "--input", file.toString(), "--data-dir", server.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err().strip()).isEqualTo("kaji store restore: restore: " + server.resolve("db")
                + " already holds a store at revision 30; pass --force to replace it (it is kept as db.bak-<time>)");
        Run forced = run("store", "restore", "--input", file.toString(), "--data-dir", server.toString(), "--force");
        assertThat(forced.exitCode()).as(forced.err()).isZero();
        assertThat(forced.out()).contains("the store continues at revision 1000000030; history before it is marked"
                + " compacted", "the replaced store is kept in " + server.resolve("db.bak-"));
        try (SqliteStore s = SqliteStore.open(server.resolve("db"))) {
            assertThat(s.currentRevision()).isEqualTo(1_000_000_030L);
            assertThat(s.range(RangeRequest.prefix("/registry/")).kvs()).hasSize(30);
        }
    }

    @Test
    void restoreRefusesAStoreInUse() throws Exception {
        Path server = tmp.resolve("server");
        Path file = tmp.resolve("kaji.db");
        try (SqliteStore s = SqliteStore.open(server.resolve("db"))) {
            s.create("/registry/a", new byte[] {1});
            assertThat(run("store", "backup", "--data-dir", server.toString(), "-o", file.toString()).exitCode())
                    .isZero();
            Run r = run("store", "restore", "-i", file.toString(), "--data-dir", server.toString(), "--force");
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err().strip()).isEqualTo("kaji store restore: restore: the store " + server.resolve("db")
                    + " is in use by a running Kaji server; stop it first (kaji down, or systemctl stop kaji-server)");
        }
    }

    @Test
    void argumentErrorsAreOneActionableLine() {
        Run noOutput = run("store", "backup", "--data-dir", tmp.toString());
        assertThat(noOutput.exitCode()).isEqualTo(2);
        assertThat(noOutput.err()).startsWith("Missing required option: '--output=FILE'");

        Run noEndpoints = run("store", "backup", "--store", "etcd", "-o", tmp.resolve("x").toString());
        assertThat(noEndpoints.exitCode()).isEqualTo(2);
        assertThat(noEndpoints.err().lines().findFirst().orElseThrow())
                .isEqualTo("--store etcd needs --etcd-endpoints, e.g. --etcd-endpoints http://127.0.0.1:2379");

        Run badEndpoint = run("store", "backup", "--store", "etcd", "--etcd-endpoints", "10.0.0.1:2379",
                "-o", tmp.resolve("x").toString());
        assertThat(badEndpoint.exitCode()).isEqualTo(2);
        assertThat(badEndpoint.err().lines().findFirst().orElseThrow()).isEqualTo("--etcd-endpoints: etcd endpoint"
                + " \"10.0.0.1:2379\" must be a URL such as http://127.0.0.1:2379");

        Run badKind = run("store", "backup", "--store", "mysql", "-o", tmp.resolve("x").toString());
        assertThat(badKind.exitCode()).isEqualTo(2);
        assertThat(badKind.err().lines().findFirst().orElseThrow())
                .isEqualTo("--store: unknown store \"mysql\"; expected sqlite or etcd");

        Run noStore = run("store", "backup", "--data-dir", tmp.resolve("none").toString(), "-o",
                tmp.resolve("x").toString());
        assertThat(noStore.exitCode()).isEqualTo(1);
        assertThat(noStore.err().strip()).isEqualTo("kaji store backup: no Kaji store in "
                + tmp.resolve("none/db") + " (no state.db); check --data-dir (the store is <data-dir>/db)");

        Run missing = run("store", "restore", "-i", tmp.resolve("gone.db").toString(), "--data-dir", tmp.toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("kaji store restore: backup file " + tmp.resolve("gone.db")
                + " does not exist");

        Run negative = run("store", "restore", "-i", "x", "--bump-revision", "-1");
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.err()).startsWith("--bump-revision must be >= 0, got -1");
    }

    @Test
    void backupOfARealEtcdAndTheRestoreCommands() throws Exception {
        try (LocalEtcdCluster etcd = LocalEtcdCluster.start(1)) {
            try (EtcdStore store = EtcdStore.connect(EtcdOptions.of(etcd.clientUrls()))) {
                for (int i = 0; i < 10; i++) {
                    store.create("/registry/configmaps/ns/c" + i, new byte[] {1});
                }
            }
            Path file = tmp.resolve("etcd.snap");
            Run b = run("store", "backup", "--store", "etcd", "--etcd-endpoints", String.join(",", etcd.clientUrls()),
                    "--output", file.toString());
            assertThat(b.exitCode()).as(b.err()).isZero();
            assertThat(b.out().strip()).matches("backed up revision 11(, \\d+ keys| \\(at most \\d+\\), \\? keys),"
                    + " [\\d,]+ bytes in \\d+ ms to " + file + " \\(manifest etcd.snap.json\\)");
            Run r = run("store", "restore", "--input", file.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out()).contains("snapshot restore " + file + " --name default --data-dir"
                    + " /var/lib/etcd-restored-default --initial-cluster default=http://127.0.0.1:2380");
        }
    }

    @Test
    void restoringAnEtcdSnapshotPrintsTheEtcdCommands() throws Exception {
        Path snap = tmp.resolve("etcd.snap");
        ByteBuffer page = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        page.putInt(16, 0xED0CDAED); // bbolt's magic: what an etcd snapshot starts with
        Files.write(snap, page.array());
        Run r = run("store", "restore", "-i", snap.toString(), "--etcd-member", "m0=http://10.0.0.1:2380",
                "--etcd-member", "m1=http://10.0.0.2:2380");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains(snap + " is an etcd snapshot",
                "snapshot restore " + snap + " --name m0 --data-dir /var/lib/etcd-restored-m0"
                        + " --initial-cluster m0=http://10.0.0.1:2380,m1=http://10.0.0.2:2380",
                "--name m1");

        Run wrong = run("store", "restore", "-i", snap.toString(), "--data-dir", tmp.toString());
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.err()).startsWith(snap + " is an etcd snapshot: --data-dir and --force are for SQLite"
                + " backups; use --etcd-member NAME=PEER_URL");

        Run badMember = run("store", "restore", "-i", snap.toString(), "--etcd-member", "http://10.0.0.1:2380");
        assertThat(badMember.exitCode()).isEqualTo(2);
        assertThat(badMember.err()).startsWith("--etcd-member: etcd member \"http://10.0.0.1:2380\" must be"
                + " NAME=PEER_URL");
    }
}
