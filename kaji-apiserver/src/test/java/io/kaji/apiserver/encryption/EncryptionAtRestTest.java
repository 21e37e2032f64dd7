package io.kaji.apiserver.encryption;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.pki.ClusterBootstrap;
import io.kaji.apiserver.registry.BuiltinResources;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.apiserver.server.TestServer;
import io.kaji.store.RevisionedStore;
import io.kaji.store.etcd.EtcdOptions;
import io.kaji.store.etcd.EtcdStore;
import io.kaji.store.etcd.LocalEtcdCluster;
import io.kaji.store.sqlite.SqliteStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets through the real API server end up encrypted in the store files (SQLite and etcd), read back in plain
 * through the API, survive a key rotation, and are readable by every HA server on one etcd.
 */
class EncryptionAtRestTest {

    static final String VALUE = "correct-horse-battery-staple-" + UUID.randomUUID();
    static final String BASE64 = Base64.getEncoder().encodeToString(VALUE.getBytes(UTF_8));
    static final String CONTROL = "plain-configmap-value-" + UUID.randomUUID();
    static final String SECRETS = "/api/v1/namespaces/default/secrets";

    static String secret(String name) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"" + name + "\"},"
                + "\"data\":{\"password\":\"" + BASE64 + "\"}}";
    }

    static String readBack(TestServer server, String name) {
        HttpResponse<String> r = server.get(SECRETS + "/" + name);
        assertThat(r.statusCode()).isEqualTo(200);
        return new String(Base64.getDecoder().decode(Json.parseTrusted(r.body()).at("/data/password").asString()),
                UTF_8);
    }

    /** True if any file under {@code dir} contains {@code needle} (as the bytes a grep would find). */
    static boolean anyFileContains(Path dir, String needle) {
        byte[] n = needle.getBytes(UTF_8);
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).anyMatch(f -> indexOf(read(f), n) >= 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void secretValuesAreNotInTheSqliteFileAndSurviveKeyRotation(@TempDir Path dir) {
        try (TestServer server = TestServer.start(dir)) {
            assertThat(server.post(SECRETS, secret("db")).statusCode()).isEqualTo(201);
            assertThat(server.post("/api/v1/namespaces/default/configmaps",
                    "{\"metadata\":{\"name\":\"plain\"},\"data\":{\"v\":\"" + CONTROL + "\"}}").statusCode())
                    .isEqualTo(201);
            assertThat(readBack(server, "db")).isEqualTo(VALUE);
            assertThat(server.store().get("/registry/secrets/default/db").orElseThrow().valueAsString())
                    .startsWith("k8s:enc:aesgcm:v1:key1:");
        }
        // The control: the ConfigMap (not encrypted) is found, so the search itself works.
        assertThat(anyFileContains(dir.resolve("db"), CONTROL)).isTrue();
        assertThat(anyFileContains(dir.resolve("db"), VALUE)).isFalse();
        assertThat(anyFileContains(dir.resolve("db"), BASE64)).isFalse();

        Path config = dir.resolve(EncryptionConfiguration.FILE_NAME);
        KeyRotation.Report report;
        try (SqliteStore raw = SqliteStore.open(dir.resolve("db"))) {
            report = KeyRotation.rotate(config, raw, c -> c.byKeyPrefix(BuiltinResources.registry(null)), c -> { });
            assertThat(raw.get("/registry/secrets/default/db").orElseThrow().valueAsString())
                    .startsWith("k8s:enc:aesgcm:v1:key2:");
        }
        assertThat(report).isEqualTo(new KeyRotation.Report("key2", 1));
        assertThat(EncryptionConfiguration.load(config).rules().getFirst().providers().getFirst().keys())
                .extracting(k -> k.name()).containsExactly("key2");
        try (TestServer server = TestServer.start(dir)) {
            assertThat(readBack(server, "db")).isEqualTo(VALUE);
        }
    }

    @Test
    void haServersOnOneEtcdShareTheKeyAndEtcdHoldsNoPlainValue(@TempDir Path one, @TempDir Path two) {
        try (LocalEtcdCluster etcd = LocalEtcdCluster.start(1)) {
            String ns = "/enc-" + UUID.randomUUID();
            try (RevisionedStore s1 = EtcdStore.connect(EtcdOptions.of(etcd.clientUrls()).withNamespace(ns));
                    RevisionedStore s2 = EtcdStore.connect(EtcdOptions.of(etcd.clientUrls()).withNamespace(ns))) {
                // What 'kaji server --store etcd' does before starting its API server.
                ClusterBootstrap.Data cluster = ClusterBootstrap.join(s1, one, null);
                EncryptionConfiguration first = SharedEncryptionConfig.sync(s1, one.resolve("encryption-config.yaml"),
                        cluster.nodeToken());
                ClusterBootstrap.join(s2, two, cluster.nodeToken());
                EncryptionConfiguration second = SharedEncryptionConfig.sync(s2,
                        two.resolve("encryption-config.yaml"), cluster.nodeToken());
                assertThat(second).isEqualTo(first);
                try (TestServer a = TestServer.start(one, s1, ApiServerConfig.defaults(one).withPort(0));
                        TestServer b = TestServer.start(two, s2, ApiServerConfig.defaults(two).withPort(0))) {
                    assertThat(a.post(SECRETS, secret("shared")).statusCode()).isEqualTo(201);
                    assertThat(readBack(b, "shared")).isEqualTo(VALUE);
                }
                assertThat(s1.get("/registry/secrets/default/shared").orElseThrow().valueAsString())
                        .startsWith("k8s:enc:aesgcm:v1:key1:");
                // 'kaji secrets rotate-key --store etcd' on server one: the other adopts the new key at its start.
                KeyRotation.rotate(one.resolve("encryption-config.yaml"), s1,
                        c -> c.byKeyPrefix(BuiltinResources.registry(null)),
                        c -> SharedEncryptionConfig.publish(s1, c, cluster.nodeToken()));
                EncryptionConfiguration adopted = SharedEncryptionConfig.sync(s2,
                        two.resolve("encryption-config.yaml"), cluster.nodeToken());
                assertThat(adopted.rules().getFirst().providers().getFirst().keys()).extracting(k -> k.name())
                        .containsExactly("key2");
                assertThat(EncryptionConfiguration.load(two.resolve("encryption-config.yaml"))).isEqualTo(adopted);
                try (TestServer b = TestServer.start(two, s2, ApiServerConfig.defaults(two).withPort(0))) {
                    assertThat(readBack(b, "shared")).isEqualTo(VALUE);
                }
                assertThat(s1.get("/registry/secrets/default/shared").orElseThrow().valueAsString())
                        .startsWith("k8s:enc:aesgcm:v1:key2:");
            }
            for (LocalEtcdCluster.Member m : etcd.members()) {
                assertThat(anyFileContains(m.dataDir(), BASE64)).isFalse();
                assertThat(anyFileContains(m.dataDir(), VALUE)).isFalse();
            }
        }
    }
}
