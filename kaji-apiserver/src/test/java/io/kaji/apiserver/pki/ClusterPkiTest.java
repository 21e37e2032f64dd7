package io.kaji.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterPkiTest {

    @TempDir
    Path dir;

    @Test
    void reusesWhatExistsAndCoversTheApiServerNames() throws Exception {
        ClusterPki first = ClusterPki.loadOrCreate(dir, List.of());
        ClusterPki second = ClusterPki.loadOrCreate(dir, List.of());
        assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(second.servingCertificate()).isEqualTo(first.servingCertificate());
        assertThat(second.adminToken()).isEqualTo(first.adminToken()).hasSize(64);
        assertThat(Files.readString(dir.resolve("ca.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
        first.servingCertificate().verify(first.caCertificate().getPublicKey());
        assertThat(first.servingCertificate().getSubjectAlternativeNames()).extracting(san -> (Object) san.get(1))
                .contains((Object) "localhost", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "127.0.0.1",
                        "10.43.0.1");
    }

    @Test
    void reissuesTheServingCertificateForANewBindAddressWithTheSameCa() throws Exception {
        ClusterPki first = ClusterPki.loadOrCreate(dir, List.of());
        ClusterPki moved = ClusterPki.loadOrCreate(dir, List.of("192.168.7.9"));
        assertThat(moved.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(moved.servingCertificate()).isNotEqualTo(first.servingCertificate());
        assertThat(moved.servingCertificate().getSubjectAlternativeNames()).extracting(san -> (Object) san.get(1))
                .contains((Object) "192.168.7.9");
    }

    @Test
    void replacesAnUnreadableCa() throws Exception {
        ClusterPki first = ClusterPki.loadOrCreate(dir, List.of());
        Files.writeString(dir.resolve("ca.key"), "garbage");
        ClusterPki second = ClusterPki.loadOrCreate(dir, List.of());
        assertThat(second.caCertificate()).isNotEqualTo(first.caCertificate());
        second.servingCertificate().verify(second.caCertificate().getPublicKey());
    }
}
