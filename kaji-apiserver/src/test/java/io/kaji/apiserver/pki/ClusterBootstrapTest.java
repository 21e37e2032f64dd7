package io.kaji.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.store.RevisionedStore;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.kaji.store.KeyValue;
import io.kaji.store.RangeRequest;
import io.kaji.store.RangeResult;
import io.kaji.store.Watch;
import io.kaji.store.WatchListener;
import io.kaji.store.WriteResult;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterBootstrapTest {

    @TempDir
    Path dir;

    private RevisionedStore store;

    @BeforeEach
    void open() {
        store = SqliteStore.open(dir.resolve("db"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void sealedDataOpensWithTheSameSecretOnlyAndHidesThePlainText() {
        ClusterBootstrap.Data data = new ClusterBootstrap.Data("ca-pem", "key-pem", "admin-secret-token", "K10x::server:s",
                "sa-key-pem", "sa-pub-pem");
        byte[] sealed = ClusterBootstrap.seal(data, "right");
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("admin-secret-token", "key-pem",
                "sa-key-pem");
        assertThat(ClusterBootstrap.open(sealed, "right")).isEqualTo(data);
        assertThatThrownBy(() -> ClusterBootstrap.open(sealed, "wrong"))
                .isInstanceOf(ClusterBootstrap.BootstrapException.class)
                .hasMessage("cannot decrypt the cluster bootstrap data in the store (/kaji/bootstrap) with this node "
                        + "token: it is not the token of this cluster");
        assertThatThrownBy(() -> ClusterBootstrap.open("garbage-garbage-garbage-garbage-garbage".getBytes(), "right"))
                .hasMessageContaining("is not Kaji bootstrap data");
    }

    @Test
    void aJoiningServerGetsTheSameCaTokensAndItsOwnServingCertificate() throws Exception {
        Path first = dir.resolve("s1");
        Path second = dir.resolve("s2");
        ClusterBootstrap.Data created = ClusterBootstrap.join(store, first, null);
        String token = Files.readString(first.resolve(NodeToken.FILE_NAME)).trim();
        assertThat(created.nodeToken()).isEqualTo(token);

        ClusterBootstrap.Data joined = ClusterBootstrap.join(store, second, token);
        assertThat(joined).isEqualTo(created);
        ClusterPki a = ClusterPki.loadOrCreate(first.resolve("pki"), List.of("127.0.0.2"));
        ClusterPki b = ClusterPki.loadOrCreate(second.resolve("pki"), List.of("127.0.0.3"));
        assertThat(b.caCertificate()).isEqualTo(a.caCertificate());
        assertThat(b.adminToken()).isEqualTo(a.adminToken());
        // Service-account tokens signed by one server verify on the other.
        assertThat(b.serviceAccountKey().getPublic()).isEqualTo(a.serviceAccountKey().getPublic());
        assertThat(b.servingCertificate()).isNotEqualTo(a.servingCertificate());
        b.servingCertificate().verify(a.caCertificate().getPublicKey());
        assertThat(Files.readString(second.resolve(NodeToken.FILE_NAME)).trim()).isEqualTo(token);

        // A restart of either server needs no --token: its own node-token file opens the data.
        assertThat(ClusterBootstrap.join(store, second, null)).isEqualTo(created);
        assertThat(ClusterBootstrap.join(store, first, null)).isEqualTo(created);
    }

    @Test
    void aServerWithAnOwnPkiFromAnotherCaIsReissuedFromTheSharedCa() throws Exception {
        ClusterBootstrap.join(store, dir.resolve("s1"), null);
        String token = Files.readString(dir.resolve("s1").resolve(NodeToken.FILE_NAME)).trim();
        ClusterPki stale = ClusterPki.loadOrCreate(dir.resolve("s2").resolve("pki"), List.of());
        ClusterBootstrap.join(store, dir.resolve("s2"), token);
        ClusterPki fresh = ClusterPki.loadOrCreate(dir.resolve("s2").resolve("pki"), List.of());
        assertThat(fresh.caCertificate()).isNotEqualTo(stale.caCertificate());
        assertThat(fresh.servingCertificate()).isNotEqualTo(stale.servingCertificate());
    }

    @Test
    void wrongOrMissingTokensAreClearErrors() {
        ClusterBootstrap.join(store, dir.resolve("s1"), null);
        String other = NodeToken.generate("another CA").value();
        assertThatThrownBy(() -> ClusterBootstrap.join(store, dir.resolve("s2"), other))
                .isInstanceOf(ClusterBootstrap.BootstrapException.class)
                .hasMessageContaining("cannot decrypt the cluster bootstrap data")
                .hasMessageEndingWith("; check --token")
                .hasMessageNotContaining(NodeToken.parse(other).secret());
        assertThatThrownBy(() -> ClusterBootstrap.join(store, dir.resolve("s3"), null))
                .hasMessage("the store already holds a cluster: a joining server needs its node token; start with "
                        + "--token <the first server's <data-dir>/node-token>");
        assertThatThrownBy(() -> ClusterBootstrap.join(store, dir.resolve("s4"), "nonsense"))
                .hasMessageStartingWith("--token: the node token does not start with K10");
        assertThat(dir.resolve("s2").resolve("pki").resolve("ca.key")).doesNotExist();
    }

    @Test
    void ofTwoFirstServersStartingAtOnceOneWinsAndTheOtherIsToldToJoin() {
        // The loser read the store before the winner's write landed: its create then conflicts.
        RevisionedStore racing = new DelegatingStore(store) {
            private boolean first = true;

            @Override
            public Optional<KeyValue> get(String key, long revision) {
                if (first && key.equals(ClusterBootstrap.KEY)) {
                    first = false;
                    ClusterBootstrap.join(store, dir.resolve("winner"), null);
                    return Optional.empty();
                }
                return super.get(key, revision);
            }
        };
        assertThatThrownBy(() -> ClusterBootstrap.join(racing, dir.resolve("loser"), null))
                .isInstanceOf(ClusterBootstrap.BootstrapException.class)
                .hasMessage("another server created the cluster in this store at the same time: start this one "
                        + "again with --token <that server's <data-dir>/node-token>");
    }

    @Test
    void aRestartedFirstServerThatLostTheRaceToItselfStillOpensItsData() {
        // Its own earlier start stored the data: the create conflicts, and its node token opens what is there.
        ClusterBootstrap.Data created = ClusterBootstrap.join(store, dir.resolve("s1"), null);
        RevisionedStore stale = new DelegatingStore(store) {
            @Override
            public Optional<KeyValue> get(String key, long revision) {
                return key.equals(ClusterBootstrap.KEY) ? Optional.empty() : super.get(key, revision);
            }
        };
        assertThat(ClusterBootstrap.join(stale, dir.resolve("s1"), null)).isEqualTo(created);
    }

    @Test
    void aTokenForAnEmptyStoreIsRefused() {
        String token = NodeToken.generate("x").value();
        assertThatThrownBy(() -> ClusterBootstrap.join(store, dir.resolve("s1"), token))
                .hasMessageStartingWith("--token was given but the store holds no cluster yet");
    }

    /** Forwards everything to another store; tests override what they need to race. */
    private static class DelegatingStore implements RevisionedStore {
        private final RevisionedStore d;

        DelegatingStore(RevisionedStore d) {
            this.d = d;
        }

        @Override
        public long currentRevision() {
            return d.currentRevision();
        }

        @Override
        public long compactRevision() {
            return d.compactRevision();
        }

        @Override
        public Optional<KeyValue> get(String key, long revision) {
            return d.get(key, revision);
        }

        @Override
        public RangeResult range(RangeRequest request) {
            return d.range(request);
        }

        @Override
        public WriteResult create(String key, byte[] value) {
            return d.create(key, value);
        }

        @Override
        public WriteResult update(String key, byte[] value, long expectedModRevision) {
            return d.update(key, value, expectedModRevision);
        }

        @Override
        public WriteResult delete(String key, long expectedModRevision) {
            return d.delete(key, expectedModRevision);
        }

        @Override
        public Watch watch(String prefix, long afterRevision, WatchListener listener) {
            return d.watch(prefix, afterRevision, listener);
        }

        @Override
        public void compact(long revision) {
            d.compact(revision);
        }

        @Override
        public void close() {
        }
    }
}
