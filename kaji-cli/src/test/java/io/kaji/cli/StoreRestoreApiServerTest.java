package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.cli.KajiCommandTest.Run;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup taken from a running API server, restored with the CLI, served again: objects and resourceVersions
 * as the brief of docs/backup.md says (bumped: old watches get 410 Gone; not bumped: watches continue).
 */
class StoreRestoreApiServerTest {

    @TempDir
    Path tmp;

    /** An API server over the SQLite store in {@code dataDir}/db. */
    private record Running(SqliteStore store, ApiServer server, KubernetesClient client) implements AutoCloseable {
        static Running start(Path dataDir) {
            SqliteStore store = SqliteStore.open(dataDir.resolve("db"));
            ApiServer server = ApiServer.start(ApiServerConfig.defaults(dataDir).withPort(0).withVersion("test"), store);
            return new Running(store, server, ClusterClient.open(server.kubeconfigPath()));
        }

        ConfigMap create(String name) {
            return client.configMaps().inNamespace("default").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName(name).endMetadata().addToData("k", name).build()).create();
        }

        /** The test's ConfigMaps (the namespace's kube-root-ca.crt left out). */
        List<String> names() {
            return client.configMaps().inNamespace("default").list().getItems().stream()
                    .map(c -> c.getMetadata().getName()).filter(n -> !n.equals("kube-root-ca.crt")).sorted().toList();
        }

        @Override
        public void close() {
            client.close();
            server.close();
            store.close();
        }
    }

    @Test
    void aBumpedRestoreServesTheBackupAndSendsOldWatchesToRelist() throws Exception {
        Path data = tmp.resolve("data");
        Path file = tmp.resolve("kaji.db");
        long seenByClients;
        long backupRevision;
        try (Running r = Running.start(data)) {
            for (int i = 0; i < 20; i++) {
                r.create("cm-" + i);
            }
            Run b = KajiCommandTest.run("store", "backup", "--data-dir", data.toString(), "--output", file.toString());
            assertThat(b.exitCode()).as(b.err()).isZero();
            backupRevision = Long.parseLong(b.out().replaceFirst("(?s)^backed up revision (\\d+),.*", "$1"));
            for (int i = 0; i < 5; i++) {
                r.create("after-" + i);
            }
            seenByClients = Long.parseLong(r.create("last").getMetadata().getResourceVersion());
        }
        Run restore = KajiCommandTest.run("store", "restore", "--input", file.toString(), "--data-dir",
                data.toString(), "--force");
        assertThat(restore.exitCode()).as(restore.err()).isZero();

        try (Running r = Running.start(data)) {
            assertThat(r.names()).hasSize(20).allMatch(n -> n.startsWith("cm-"));
            long next = Long.parseLong(r.create("new").getMetadata().getResourceVersion());
            // The backup's revision + 1,000,000,000 + 1: above anything the old server handed out.
            assertThat(next).isEqualTo(backupRevision + 1_000_000_001L).isGreaterThan(seenByClients);
            // A client resuming from a revision the old server handed out must re-list, not skip changes.
            CompletableFuture<WatcherException> closed = new CompletableFuture<>();
            try (Watch w = r.client.configMaps().inNamespace("default").withResourceVersion(Long.toString(seenByClients))
                    .watch(new Watcher<ConfigMap>() {
                        @Override
                        public void eventReceived(Action action, ConfigMap resource) {
                        }

                        @Override
                        public void onClose(WatcherException cause) {
                            closed.complete(cause);
                        }
                    })) {
                assertThat(closed.get(15, TimeUnit.SECONDS).isHttpGone()).isTrue();
            }
        }
    }

    @Test
    void anExactRestoreServesTheBackupAndWatchesContinueFromItsRevision() throws Exception {
        Path data = tmp.resolve("data");
        Path file = tmp.resolve("kaji.db");
        String backupRv;
        try (Running r = Running.start(data)) {
            for (int i = 0; i < 10; i++) {
                r.create("cm-" + i);
            }
            long listed = Long.parseLong(r.client.configMaps().inNamespace("default").list().getMetadata()
                    .getResourceVersion());
            Run b = KajiCommandTest.run("store", "backup", "--data-dir", data.toString(), "-o", file.toString());
            assertThat(b.exitCode()).as(b.err()).isZero();
            assertThat(b.out()).matches("(?s)^backed up revision \\d+, .*");
            // The server may write on its own (its start-up objects) between the list and the backup.
            backupRv = b.out().replaceFirst("(?s)^backed up revision (\\d+),.*", "$1");
            assertThat(Long.parseLong(backupRv)).isGreaterThanOrEqualTo(listed);
        }
        Path fresh = tmp.resolve("fresh");
        Run restore = KajiCommandTest.run("store", "restore", "-i", file.toString(), "--data-dir", fresh.toString(),
                "--bump-revision", "0");
        assertThat(restore.exitCode()).as(restore.err()).isZero();
        try (Running r = Running.start(fresh)) {
            assertThat(r.names()).hasSize(10);
            // The restored store goes on from the backup's revision; the server may already have written its own
            // start-up objects (another resource) after it, so the list's revision is at least the backup's.
            assertThat(Long.parseLong(r.client.configMaps().inNamespace("default").list().getMetadata()
                    .getResourceVersion())).isGreaterThanOrEqualTo(Long.parseLong(backupRv));
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            try (Watch w = r.client.configMaps().inNamespace("default").withResourceVersion(backupRv)
                    .watch(new Watcher<ConfigMap>() {
                        @Override
                        public void eventReceived(Action action, ConfigMap resource) {
                            events.add(action + " " + resource.getMetadata().getName() + " "
                                    + resource.getMetadata().getResourceVersion());
                        }

                        @Override
                        public void onClose(WatcherException cause) {
                            events.add("closed " + cause);
                        }
                    })) {
                r.create("new");
                String event = events.poll(15, TimeUnit.SECONDS);
                assertThat(event).as("the first configmap event after the backup's revision").startsWith("ADDED new ");
                assertThat(Long.parseLong(event.substring("ADDED new ".length())))
                        .isGreaterThan(Long.parseLong(backupRv));
            }
        }
    }
}
