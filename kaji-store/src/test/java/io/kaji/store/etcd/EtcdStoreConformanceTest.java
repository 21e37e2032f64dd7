package io.kaji.store.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.store.RangeRequest;
import io.kaji.store.RevisionedStore;
import io.kaji.store.RevisionedStoreConformanceTest;
import io.kaji.store.StoreMigration;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The conformance suite against a real etcd started for this class (the etcd-server package's binary). */
class EtcdStoreConformanceTest extends RevisionedStoreConformanceTest {

    private static LocalEtcdCluster etcd;
    private String namespace;

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

    @Override
    protected RevisionedStore open() {
        // Each test gets its own key space in the shared etcd.
        namespace = "/t-" + UUID.randomUUID();
        return EtcdStore.connect(EtcdOptions.of(etcd.clientUrls()).withNamespace(namespace));
    }

    @Override
    protected RevisionedStore reopen(RevisionedStore old) {
        old.close();
        return EtcdStore.connect(EtcdOptions.of(etcd.clientUrls()).withNamespace(namespace));
    }

    @Test
    void migratesFromSqliteToEtcdAndBack(@TempDir Path sqliteDir, @TempDir Path backDir) {
        try (SqliteStore sqlite = SqliteStore.open(sqliteDir)) {
            for (int i = 0; i < 700; i++) {
                sqlite.create("/registry/configmaps/ns/cm" + i, ("data-" + i).getBytes(UTF_8));
            }
            StoreMigration.Summary toEtcd = StoreMigration.copy(sqlite, store, "/registry/", n -> { });
            assertThat(toEtcd.keys()).isEqualTo(700);
        }
        assertThat(store.range(RangeRequest.prefix("/registry/").withCount()).count()).isEqualTo(700);
        assertThat(store.get("/registry/configmaps/ns/cm42").orElseThrow().valueAsString()).isEqualTo("data-42");
        try (SqliteStore back = SqliteStore.open(backDir)) {
            assertThat(StoreMigration.copy(store, back, "/registry/", n -> { }).keys()).isEqualTo(700);
            assertThat(back.get("/registry/configmaps/ns/cm699").orElseThrow().valueAsString()).isEqualTo("data-699");
        }
    }
}
