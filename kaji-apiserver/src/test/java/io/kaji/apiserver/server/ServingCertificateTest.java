package io.kaji.apiserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.pki.ClusterPki;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingCertificateTest {

    @Test
    void dueAtTwoThirdsOfTheLifetime(@TempDir Path dir) {
        X509Certificate cert = ClusterPki.loadOrCreate(dir.resolve("pki"), List.of()).servingCertificate();
        Instant from = cert.getNotBefore().toInstant();
        Duration life = Duration.between(from, cert.getNotAfter().toInstant());
        Duration twoThirds = life.multipliedBy(2).dividedBy(3);
        assertThat(ServingCertificate.dueForRenewal(cert, from.plus(twoThirds).minusSeconds(1))).isFalse();
        assertThat(ServingCertificate.dueForRenewal(cert, from.plus(twoThirds))).isTrue();
        assertThat(ServingCertificate.dueForRenewal(cert, Instant.now())).isFalse();
    }

    @Test
    void renewKeepsTheAddressesAndIsSignedByTheCa(@TempDir Path dir) throws Exception {
        ClusterPki pki = ClusterPki.loadOrCreate(dir.resolve("pki"), List.of("100.64.9.9"));
        X509Certificate renewed = ClusterPki.renewServing(dir.resolve("pki"));
        assertThat(renewed.getSerialNumber()).isNotEqualTo(pki.servingCertificate().getSerialNumber());
        assertThat(List.copyOf(renewed.getSubjectAlternativeNames()))
                .isEqualTo(List.copyOf(pki.servingCertificate().getSubjectAlternativeNames()));
        renewed.verify(pki.caCertificate().getPublicKey());
        assertThat(ClusterPki.readServing(dir.resolve("pki")).getKey()).isEqualTo(renewed);
    }

    @Test
    void exposedMetricsAreAppendedToTheMetricsEndpoint(@TempDir Path dir) {
        try (TestServer server = TestServer.start(dir)) {
            server.server().exposeMetrics(() -> "# TYPE kaji_extra gauge\nkaji_extra 7\n");
            server.server().exposeMetrics(() -> {
                throw new IllegalStateException("a broken source does not break /metrics");
            });
            var r = server.get("/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("apiserver_request_total", "kaji_extra 7");
        }
    }
}
