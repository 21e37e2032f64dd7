package io.kaji.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.store.backup.BackupManifest;
import io.kaji.store.etcd.EtcdBackup;
import io.kaji.store.etcd.EtcdOptions;
import io.kaji.store.etcd.EtcdStore;
import io.kaji.store.etcd.LocalEtcdCluster;
import io.kaji.store.sqlite.SqliteBackup;
import io.kaji.store.sqlite.SqliteOptions;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and restore speed for a 100,000-key store (figures in docs/backup.md). Slow, so only with
 * {@code -Dkaji.bench=true}: {@code mvn -pl kaji-store verify -Dtest=BackupSpeedTest -Dkaji.bench=true}.
 */
@EnabledIfSystemProperty(named = "kaji.bench", matches = "true")
class BackupSpeedTest {

    private static final int KEYS = 100_000;

    @TempDir
    Path tmp;

    /** About 1 KiB, like a small Kubernetes object in JSON. */
    private static byte[] value(int i) {
        String body = "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"cm-" + i
                + "\",\"namespace\":\"ns-" + (i % 100) + "\"},\"data\":{\"config\":\"" + "x".repeat(900) + "\"}}";
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private static void fill(RevisionedStore store) throws InterruptedException {
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int t = 0; t < 16; t++) {
                int id = t;
                pool.submit(() -> {
                    for (int i = id; i < KEYS; i += 16) {
                        store.create("/registry/configmaps/ns-" + (i % 100) + "/cm-" + i, value(i));
                    }
                });
            }
        }
    }

    @Test
    void sqlite() throws Exception {
        Path dir = tmp.resolve("db");
        try (SqliteStore store = SqliteStore.open(dir, SqliteOptions.defaults().withDurableCommits(false))) {
            fill(store);
            assertThat(store.currentRevision()).isEqualTo(KEYS);
            long t0 = System.nanoTime();
            BackupManifest idle = SqliteBackup.backup(dir, tmp.resolve("idle.db"), "bench", (d, t) -> { });
            long idleMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(idle.keys()).isEqualTo(KEYS);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong writes = new AtomicLong();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int id = w;
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int n = 0; !stop.get(); n++) {
                        store.create("/registry/pods/w" + id + "/p" + n, value(n));
                        writes.incrementAndGet();
                    }
                }));
            }
            Thread.sleep(300);
            long w0 = writes.get();
            t0 = System.nanoTime();
            BackupManifest busy = SqliteBackup.backup(dir, tmp.resolve("busy.db"), "bench", (d, t) -> { });
            long busyMs = (System.nanoTime() - t0) / 1_000_000;
            long writesDuring = writes.get() - w0;
            stop.set(true);
            for (Thread w : writers) {
                w.join();
            }
            t0 = System.nanoTime();
            SqliteBackup.RestoreResult r = SqliteBackup.restore(tmp.resolve("busy.db"), tmp.resolve("restored"),
                    SqliteBackup.RestoreOptions.defaults());
            long restoreMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.keys()).isEqualTo(busy.keys());
            System.out.printf("BENCH sqlite: %d keys, %,d bytes: backup idle %d ms (%.0f MB/s); during 8 writers"
                            + " %d ms (%d writes committed meanwhile, %d keys at revision %d); restore %d ms%n",
                    idle.keys(), idle.bytes(), idleMs, idle.bytes() / 1e3 / idleMs, busyMs, writesDuring,
                    busy.keys(), busy.revision(), restoreMs);
        }
    }

    @Test
    void etcd() throws Exception {
        try (LocalEtcdCluster etcd = LocalEtcdCluster.start(1)) {
            EtcdOptions options = EtcdOptions.of(etcd.clientUrls());
            try (EtcdStore store = EtcdStore.connect(options)) {
                fill(store);
            }
            long t0 = System.nanoTime();
            BackupManifest m = EtcdBackup.snapshot(options, tmp.resolve("etcd.snap"), "bench", (d, t) -> { });
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(m.keys()).isGreaterThanOrEqualTo(KEYS);
            System.out.printf("BENCH etcd: %d keys, %,d bytes: snapshot %d ms (%.0f MB/s), revision %d%n",
                    m.keys(), m.bytes(), ms, m.bytes() / 1e3 / ms, m.revision());
        }
    }
}
