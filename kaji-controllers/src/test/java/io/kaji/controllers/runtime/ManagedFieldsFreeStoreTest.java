package io.kaji.controllers.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagedFieldsFreeStoreTest {

    @TempDir
    Path dir;

    @Test
    void putDropsManagedFieldsAndKeysByNamespaceAndName() {
        ManagedFieldsFreeStore<ConfigMap> store = new ManagedFieldsFreeStore<>();
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withNamespace("ns").withName("a")
                .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubectl").withOperation("Update")
                        .build()).endMetadata().addToData("k", "v").build();

        assertThat(store.getKey(cm)).isEqualTo("ns/a");
        store.put(store.getKey(cm), cm);

        assertThat(store.get("ns/a").getMetadata().getManagedFields()).isNull();
        assertThat(store.get("ns/a").getData()).containsEntry("k", "v");
        ManagedFieldsFreeStore.strip(new ConfigMap()); // no metadata: nothing to do, no failure
    }

    /**
     * A real API server records managedFields on every write; an informer made {@code withoutManagedFields} neither
     * caches them nor hands them to its handlers, and writing a cached object back keeps the stored ones.
     */
    @Test
    void informerCachesAndDeliversObjectsWithoutManagedFields() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("db"));
             ApiServer server = ApiServer.start(ApiServerConfig.defaults(dir).withPort(0), store);
             KubernetesClient client = new KubernetesClientBuilder()
                     .withConfig(Config.fromKubeconfig(Files.readString(server.kubeconfigPath()))).build()) {
            ConfigMap created = client.configMaps().inNamespace("default").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("settings").endMetadata().addToData("mode", "fast").build()).create();
            assertThat(created.getMetadata().getManagedFields()).as("the server records the writer").isNotEmpty();

            List<ConfigMap> delivered = new CopyOnWriteArrayList<>();
            SharedIndexInformer<ConfigMap> informer = Informers.informWithoutManagedFields(
                    client.configMaps().inNamespace("default"), Handlers.onAnyChange(delivered::add), 0);
            try {
                ConfigMap cached = informer.getStore().getByKey("default/settings");
                assertThat(cached).isNotNull();
                assertThat(cached.getMetadata().getManagedFields()).isNull();

                // A watch event (an update by another writer) goes through the same store.
                client.configMaps().inNamespace("default").withName("settings")
                        .edit(cm -> new ConfigMapBuilder(cm).addToData("level", "3").build());
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        informer.getStore().getByKey("default/settings").getData().containsKey("level"));
                assertThat(informer.getStore().getByKey("default/settings").getMetadata().getManagedFields()).isNull();
                await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() >= 2);
                assertThat(delivered).allSatisfy(cm -> assertThat(cm.getMetadata().getManagedFields()).isNull());

                // Writing the cached object back (as the agent's status updates do) keeps the stored managedFields.
                ConfigMap back = new ConfigMapBuilder(informer.getStore().getByKey("default/settings"))
                        .addToData("extra", "1").build();
                ConfigMap updated = client.configMaps().inNamespace("default").resource(back).update();
                assertThat(updated.getMetadata().getManagedFields()).isNotEmpty();
            } finally {
                informer.close();
            }
        }
    }
}
