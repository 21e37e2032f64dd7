package io.kaji.store.etcd;

import io.kaji.store.RevisionedStore;
import io.kaji.store.RevisionedStoreConformanceTest;
import java.util.UUID;
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
}
