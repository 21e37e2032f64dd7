package io.kaji.store.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.store.StoreException;
import io.kaji.store.backup.BackupFiles;
import io.kaji.store.backup.BackupManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots of a real etcd (the etcd-server package's binary) taken while writers keep writing. */
class EtcdBackupTest {

    private static LocalEtcdCluster etcd;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startEtcd() {
        etcd = LocalEtcdCluster.start(1);
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void snapshotWhileWritingIsAValidEtcdSnapshot() throws Exception {
        EtcdOptions options = EtcdOptions.of(etcd.clientUrls()).withNamespace("/backup-test");
        Path file = tmp.resolve("etcd.snapshot");
        try (EtcdStore store = EtcdStore.connect(options)) {
            for (int i = 0; i < 500; i++) {
                store.create("/registry/configmaps/ns/pre-" + i, ("v" + i).getBytes(UTF_8));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong writes = new AtomicLong();
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int n = 0; !stop.get(); n++) {
                        store.create("/registry/pods/ns" + id + "/p" + n, new byte[] {1});
                        writes.incrementAndGet();
                    }
                }));
            }
            while (writes.get() < 200) {
                Thread.sleep(5);
            }
            long before = store.currentRevision();
            List<Long> progress = new ArrayList<>();
            BackupManifest m = EtcdBackup.snapshot(options, file, "test", (d, t) -> progress.add(d));
            long after = store.currentRevision();
            stop.set(true);
            for (Thread w : writers) {
                w.join();
            }
            assertThat(m.kind()).isEqualTo(BackupManifest.Kind.ETCD);
            assertThat(m.revision()).isBetween(before, after);
            assertThat(m.bytes()).isEqualTo(Files.size(file));
            assertThat(progress).isNotEmpty().last().isEqualTo(m.bytes());
            assertThat(BackupFiles.detect(file)).isEqualTo(BackupFiles.Detected.ETCD_SNAPSHOT);
            assertThat(BackupManifest.readFor(file)).contains(m);
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .isEqualTo("rw-------");
            // The file carries etcd's own checksum; a corrupted copy is caught.
            EtcdBackup.verifyTrailingHash(file);
            Path broken = tmp.resolve("broken");
            byte[] bytes = Files.readAllBytes(file);
            bytes[bytes.length / 2] ^= 1;
            Files.write(broken, bytes);
            assertThatThrownBy(() -> EtcdBackup.verifyTrailingHash(broken))
                    .hasMessage("etcd snapshot: the received data does not match etcd's checksum; try again");

            if (EtcdBackup.findOnPath("etcdctl").isPresent()) {
                assertThat(m.revisionExact()).isTrue();
                // etcdctl reads the same file: the revision and at least our keys are in it.
                Process p = new ProcessBuilder("etcdctl", "snapshot", "status", file.toString(), "-w", "json")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), UTF_8);
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as(out).isZero();
                assertThat(out).contains("\"revision\":" + m.revision());
                assertThat(m.keys()).isGreaterThanOrEqualTo(500);
                // And restores it: the data dir etcdctl builds from it is a member's.
                Path restored = tmp.resolve("restored");
                Process r = new ProcessBuilder("etcdctl", "snapshot", "restore", file.toString(),
                        "--data-dir", restored.toString()).redirectErrorStream(true).start();
                String rout = new String(r.getInputStream().readAllBytes(), UTF_8);
                assertThat(r.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(r.exitValue()).as(rout).isZero();
                assertThat(restored.resolve("member/snap/db")).isRegularFile();
            }
        }
    }

    @Test
    void anUnreachableEtcdIsOneActionableError() {
        EtcdOptions nowhere = new EtcdOptions(List.of("http://127.0.0.1:1"), "", java.time.Duration.ofSeconds(2));
        assertThatThrownBy(() -> EtcdBackup.snapshot(nowhere, tmp.resolve("x"), "test", (d, t) -> { }))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("etcd snapshot: cannot reach etcd at [http://127.0.0.1:1]")
                .hasMessageEndingWith("; check --etcd-endpoints and that etcd is running");
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    @Test
    void restoreCommandsNameEveryMember() {
        List<String> lines = EtcdBackup.restoreCommands(Path.of("/backups/etcd.snap"),
                List.of("m0=http://10.0.0.1:2380", "m1=http://10.0.0.2:2380"), 1_000_000_000L, true);
        assertThat(lines).containsExactly(
                "etcdutl snapshot restore /backups/etcd.snap --name m0 --data-dir /var/lib/etcd-restored-m0"
                        + " --initial-cluster m0=http://10.0.0.1:2380,m1=http://10.0.0.2:2380"
                        + " --initial-cluster-token kaji-restored --initial-advertise-peer-urls http://10.0.0.1:2380"
                        + " --bump-revision 1000000000 --mark-compacted",
                "etcdutl snapshot restore /backups/etcd.snap --name m1 --data-dir /var/lib/etcd-restored-m1"
                        + " --initial-cluster m0=http://10.0.0.1:2380,m1=http://10.0.0.2:2380"
                        + " --initial-cluster-token kaji-restored --initial-advertise-peer-urls http://10.0.0.2:2380"
                        + " --bump-revision 1000000000 --mark-compacted");
        assertThat(EtcdBackup.restoreCommands(Path.of("/s"), List.of("a=http://h:2380"), 5, false).get(0))
                .startsWith("ETCDCTL_API=3 etcdctl snapshot restore /s --name a").doesNotContain("bump");
        assertThatThrownBy(() -> EtcdBackup.restoreCommands(Path.of("/s"), List.of("http://h:2380"), 0, true))
                .hasMessage("etcd member \"http://h:2380\" must be NAME=PEER_URL, e.g. m0=http://10.0.0.1:2380");
    }
}
