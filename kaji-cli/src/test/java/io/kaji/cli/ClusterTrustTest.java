package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import io.kaji.apiserver.pki.ClusterPki;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's API client trusts its cluster's CA and nothing else. */
class ClusterTrustTest {

    @TempDir
    Path dir;

    private static Config withCa(String caPem) {
        return new ConfigBuilder().withMasterUrl("https://127.0.0.1:6443")
                .withCaCertData(Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8))).build();
    }

    private static List<X509Certificate> acceptedIssuers(Config c) throws Exception {
        TrustManager[] tms = SSLUtils.trustManagers(c);
        return Arrays.stream(tms).filter(X509TrustManager.class::isInstance)
                .flatMap(tm -> Arrays.stream(((X509TrustManager) tm).getAcceptedIssuers())).toList();
    }

    @Test
    void theClientTrustsOnlyTheClusterCaWhereFabric8WouldAddTheJdksAuthorities() throws Exception {
        ClusterPki pki = ClusterPki.loadOrCreate(dir.resolve("server-pki"), List.of());
        Config plain = withCa(pki.caPem());
        assertThat(acceptedIssuers(plain)).as("fabric8's default: cacerts plus the CA").hasSizeGreaterThan(10);

        Config only = ClusterTrust.onlyClusterCa(plain, dir.resolve("pki"));
        assertThat(only.getTrustStoreFile()).isEqualTo(dir.resolve("pki").resolve(ClusterTrust.FILE).toString());
        assertThat(acceptedIssuers(only)).containsExactly(pki.caCertificate());
        assertThat(only.getMasterUrl()).isEqualTo(plain.getMasterUrl());
    }

    @Test
    void theTrustStoreIsWrittenOnceAndRewrittenWhenTheCaChanges() throws Exception {
        ClusterPki a = ClusterPki.loadOrCreate(dir.resolve("a"), List.of());
        ClusterPki b = ClusterPki.loadOrCreate(dir.resolve("b"), List.of());
        Path file = dir.resolve("pki").resolve(ClusterTrust.FILE);
        ClusterTrust.onlyClusterCa(withCa(a.caPem()), dir.resolve("pki"));
        FileTime old = FileTime.fromMillis(1_000);
        Files.setLastModifiedTime(file, old);
        ClusterTrust.onlyClusterCa(withCa(a.caPem()), dir.resolve("pki"));
        assertThat(Files.getLastModifiedTime(file)).as("same CA: kept").isEqualTo(old);

        Config other = ClusterTrust.onlyClusterCa(withCa(b.caPem()), dir.resolve("pki"));
        assertThat(acceptedIssuers(other)).containsExactly(b.caCertificate());
        Files.writeString(file, "not a key store");
        assertThat(acceptedIssuers(ClusterTrust.onlyClusterCa(withCa(a.caPem()), dir.resolve("pki"))))
                .as("a damaged file is written anew").containsExactly(a.caCertificate());
    }

    @Test
    void configurationsWithoutACaOrWithTheirOwnTrustAreLeftAlone() {
        Config noCa = new ConfigBuilder().withMasterUrl("https://127.0.0.1:6443").build();
        assertThat(ClusterTrust.onlyClusterCa(noCa, dir)).isSameAs(noCa);
        Config insecure = new ConfigBuilder(noCa).withTrustCerts(true).build();
        assertThat(ClusterTrust.onlyClusterCa(insecure, dir)).isSameAs(insecure);
        Config own = new ConfigBuilder(noCa).withTrustStoreFile("/etc/ssl/own.p12").build();
        assertThat(ClusterTrust.onlyClusterCa(own, dir)).isSameAs(own);
        assertThat(dir.resolve(ClusterTrust.FILE)).doesNotExist();
    }

    @Test
    void aCaThatIsNotACertificateFailsWithWhatWasBeingRead() {
        Config bad = new ConfigBuilder().withMasterUrl("https://127.0.0.1:6443")
                .withCaCertData(Base64.getEncoder().encodeToString("garbage".getBytes(StandardCharsets.UTF_8))).build();
        assertThatThrownBy(() -> ClusterTrust.onlyClusterCa(bad, dir)).hasMessageContaining("cluster CA");
    }

    @Test
    void aClientWithTheTrustStoreTalksToTheRealApiServer() throws Exception {
        Path serverDir = dir.resolve("server");
        try (SqliteStore store = SqliteStore.open(serverDir.resolve("db"));
                ApiServer server = ApiServer.start(ApiServerConfig.defaults(serverDir).withPort(0).withVersion("test"),
                        store)) {
            Config admin = Config.fromKubeconfig(Files.readString(serverDir.resolve("kubeconfig")));
            Config only = ClusterTrust.onlyClusterCa(admin, dir.resolve("pki"));
            assertThat(only.getTrustStoreFile()).isNotNull();
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(only).build()) {
                assertThat(client.namespaces().withName("default").get()).isNotNull();
            }
        }
    }
}
