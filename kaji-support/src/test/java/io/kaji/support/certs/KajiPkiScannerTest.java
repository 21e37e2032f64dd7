package io.kaji.support.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.pki.ClusterPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KajiPkiScannerTest {

    private static final Instant NOW = Instant.now();

    @TempDir
    Path dataDir;

    @Test
    void namesCertificatesLikeKubeadmAndFindsTheirAuthority() throws Exception {
        Path pki = Files.createDirectories(dataDir.resolve("pki"));
        TestCerts.Issued ca = TestCerts.ca("kaji-ca", NOW.minusSeconds(60), NOW.plus(Duration.ofDays(3650)));
        Files.writeString(pki.resolve("ca.crt"), ca.pem());
        Files.writeString(pki.resolve("ca.key"), ca.keyPem());
        TestCerts.Issued apiserver = TestCerts.leaf("kube-apiserver", ca, NOW.minusSeconds(60),
                NOW.plus(Duration.ofDays(365)));
        Files.writeString(pki.resolve("apiserver.crt"), apiserver.pem() + ca.pem()); // with its chain
        TestCerts.Issued soon = TestCerts.leaf("soon", ca, NOW.minusSeconds(60), NOW.plus(Duration.ofDays(5)));
        Files.writeString(pki.resolve("soon.crt"), soon.pem());
        // A CA whose key is not here: Kaji could not renew what it signs (externally managed).
        TestCerts.Issued external = TestCerts.ca("external-ca", NOW.minusSeconds(60), NOW.plus(Duration.ofDays(100)));
        Files.createDirectories(pki.resolve("etcd"));
        Files.writeString(pki.resolve("etcd/ca.crt"), external.pem());
        TestCerts.Issued etcdClient = TestCerts.leaf("etcd-client", external, NOW.minusSeconds(60),
                NOW.plus(Duration.ofDays(20)));
        Files.writeString(pki.resolve("etcd/client.crt"), etcdClient.pem());
        Files.writeString(pki.resolve("broken.crt"),
                "-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
        TestCerts.Issued admin = TestCerts.leaf("kaji-admin", ca, NOW.minusSeconds(60), NOW.plus(Duration.ofDays(365)));
        Files.writeString(dataDir.resolve("kubeconfig"), kubeconfig(admin.pem()));
        Files.writeString(pki.resolve("token.conf"), "apiVersion: v1\nkind: Config\nusers:\n- name: t\n  user:\n"
                + "    token: abc\n");
        // The in-process agent's node client certificate, which it rotates itself.
        Files.createDirectories(dataDir.resolve("node/pki"));
        TestCerts.Issued node = TestCerts.leaf("system:node:n1", ca, NOW.minusSeconds(60), NOW.plus(Duration.ofDays(365)));
        Files.writeString(dataDir.resolve("node/pki/node-client.crt"), node.pem());
        // Container state is not walked, even when it holds certificates.
        Files.createDirectories(dataDir.resolve("node/containerd/pki"));
        Files.writeString(dataDir.resolve("node/containerd/pki/ignored.crt"), soon.pem());

        Map<String, CertificateEntry> byName = new KajiPkiScanner(dataDir).scan(NOW, Thresholds.DEFAULT).stream()
                .collect(Collectors.toMap(CertificateEntry::name, Function.identity()));

        assertThat(byName).containsOnlyKeys("ca", "apiserver", "soon", "etcd/ca", "etcd/client", "broken",
                "kubeconfig", "node/pki/node-client");
        assertThat(byName.get("node/pki/node-client").authority()).isEqualTo("ca");
        assertThat(byName.get("ca")).satisfies(e -> {
            assertThat(e.ca()).isTrue();
            assertThat(e.authority()).isEmpty();
            assertThat(e.externallyManaged()).isFalse();
            assertThat(e.status()).isEqualTo(ExpiryStatus.OK);
        });
        assertThat(byName.get("apiserver")).satisfies(e -> {
            assertThat(e.ca()).isFalse();
            assertThat(e.authority()).isEqualTo("ca");
            assertThat(e.externallyManaged()).isFalse();
            assertThat(e.notAfter()).isEqualTo(apiserver.cert().getNotAfter().toInstant());
        });
        assertThat(byName.get("soon").status()).isEqualTo(ExpiryStatus.CRITICAL);
        assertThat(byName.get("etcd/client")).satisfies(e -> {
            assertThat(e.authority()).isEqualTo("etcd/ca");
            assertThat(e.externallyManaged()).isTrue();
            assertThat(e.status()).isEqualTo(ExpiryStatus.WARNING);
        });
        assertThat(byName.get("broken").status()).isEqualTo(ExpiryStatus.INVALID);
        assertThat(byName.get("broken").error()).contains("not an X.509 certificate");
        assertThat(byName.get("kubeconfig").authority()).isEqualTo("ca");
        assertThat(byName.get("kubeconfig").subject()).isEqualTo("CN=kaji-admin");
    }

    @Test
    void readsARealKajiPki() throws Exception {
        ClusterPki.loadOrCreate(dataDir.resolve("pki"), List.of());
        List<CertificateEntry> entries = new KajiPkiScanner(dataDir).scan(Instant.now(), Thresholds.DEFAULT);
        assertThat(entries).extracting(CertificateEntry::name).contains("ca", "apiserver");
        assertThat(entries).allSatisfy(e -> assertThat(e.status()).isEqualTo(ExpiryStatus.OK));
        assertThat(entries).filteredOn(e -> e.name().equals("apiserver")).singleElement()
                .satisfies(e -> assertThat(e.authority()).isEqualTo("ca"));
    }

    @Test
    void aMissingDataDirIsAnError() {
        assertThatThrownBy(() -> new KajiPkiScanner(dataDir.resolve("nope")).scan(NOW, Thresholds.DEFAULT))
                .hasMessageContaining("no such data dir");
    }

    static String kubeconfig(String clientPem) {
        String data = Base64.getEncoder().encodeToString(clientPem.getBytes(StandardCharsets.UTF_8));
        return "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n"
                + "users:\n- name: admin\n  user:\n    client-certificate-data: " + data + "\n";
    }
}
