package io.kaji.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.cli.KajiCommandTest.Run;
import io.kaji.store.sqlite.SqliteStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through the fabric8 client over HTTPS: a Secret is stored encrypted (its value is in no file of the SQLite store),
 * {@code kaji secrets rotate-key} re-encrypts it with a new key, and the restarted server still serves it; a pod
 * violating the default baseline level is rejected with Kubernetes' message.
 */
class SecretsCommandTest {

    @TempDir
    Path dir;

    static final String VALUE = "s3cr3t-" + UUID.randomUUID();

    private record Running(SqliteStore store, ApiServer server, KubernetesClient client) implements AutoCloseable {
        static Running start(Path dataDir) {
            SqliteStore store = SqliteStore.open(dataDir.resolve("db"));
            ApiServer server = ApiServer.start(ApiServerConfig.defaults(dataDir).withPort(0).withVersion("test"), store);
            return new Running(store, server, ClusterClient.open(server.kubeconfigPath()));
        }

        @Override
        public void close() {
            client.close();
            server.close();
            store.close();
        }
    }

    @Test
    void secretIsEncryptedAtRestAndSurvivesKeyRotation() throws IOException {
        String encoded = Base64.getEncoder().encodeToString(VALUE.getBytes(UTF_8));
        try (Running r = Running.start(dir)) {
            r.client().secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("db")
                    .endMetadata().addToData("password", encoded).build()).create();
            assertThat(r.client().secrets().inNamespace("default").withName("db").get().getData().get("password"))
                    .isEqualTo(encoded);
            assertThatThrownBy(() -> r.client().pods().inNamespace("default").resource(new PodBuilder()
                    .withNewMetadata().withName("root").endMetadata().withNewSpec().withHostPID(true).addNewContainer()
                    .withName("c").withImage("busybox").endContainer().endSpec().build()).create())
                    .isInstanceOf(KubernetesClientException.class)
                    .hasMessageContaining("pods \"root\" is forbidden: violates PodSecurity \"baseline:latest\": "
                            + "host namespaces (hostPID=true)");
        }
        assertThat(grep(dir.resolve("db"), encoded)).isFalse();
        assertThat(grep(dir.resolve("db"), VALUE)).isFalse();

        Run rotate = KajiCommandTest.run("secrets", "rotate-key", "--data-dir", dir.toString());
        assertThat(rotate.exitCode()).as(rotate.err()).isZero();
        assertThat(rotate.out()).contains("key2 now encrypts; 1 objects re-encrypted");
        assertThat(Files.readString(dir.resolve("encryption-config.yaml"))).contains("key2").doesNotContain("key1");

        try (Running r = Running.start(dir)) {
            assertThat(r.client().secrets().inNamespace("default").withName("db").get().getData().get("password"))
                    .isEqualTo(encoded);
            assertThat(r.store().get("/registry/secrets/default/db").orElseThrow().valueAsString())
                    .startsWith("k8s:enc:aesgcm:v1:key2:");
        }
    }

    @Test
    void rotationWhileTheServerRunsSaysToStopIt() {
        try (Running r = Running.start(dir)) {
            Run rotate = KajiCommandTest.run("secrets", "rotate-key", "--data-dir", dir.toString());
            assertThat(rotate.exitCode()).isNotZero();
            assertThat(rotate.err()).contains("stop 'kaji server' first");
        }
    }

    static boolean grep(Path dir, String needle) throws IOException {
        byte[] n = needle.getBytes(UTF_8);
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).anyMatch(f -> {
                try {
                    return new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)
                            .contains(new String(n, java.nio.charset.StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }
}
