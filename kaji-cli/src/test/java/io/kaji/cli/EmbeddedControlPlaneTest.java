package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.TestServer;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process controller manager and scheduler renew their certificates and restart on them. */
class EmbeddedControlPlaneTest {

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void renewsComponentCertificatesAtTwoThirdsOfTheirLifeAndRestartsOnThem() throws Exception {
        ApiServer api = server.server();
        Path cm = api.controllerManagerKubeconfigPath();
        X509Certificate first = KubeconfigRenewal.clientCertificate(cm);
        assertThat(KubeconfigRenewal.due(first, Instant.now())).isFalse();
        Instant twoThirds = first.getNotBefore().toInstant().plus(Duration.between(first.getNotBefore().toInstant(),
                first.getNotAfter().toInstant()).multipliedBy(2).dividedBy(3));
        assertThat(KubeconfigRenewal.due(first, twoThirds.minusSeconds(60))).isFalse();
        assertThat(KubeconfigRenewal.due(first, twoThirds.plusSeconds(1))).isTrue();

        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(server.store(), new EmbeddedControlPlane.Options(
                cm, api.schedulerKubeconfigPath(), "100.64.160.0/20", true, true, "renewal-test", null), api.pki());
             KubernetesClient client = EmbeddedControlPlane.client(server.kubeconfig())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> holder(client, "kaji-controller-manager") != null);
            // Nothing changed: nothing renewed, nothing restarted.
            assertThat(plane.renewCertificates(api.pki(), Instant.now())).isFalse();
            assertThat(KubeconfigRenewal.clientCertificate(cm).getSerialNumber()).isEqualTo(first.getSerialNumber());

            // Eight months on: both certificates are renewed and the components restart on them.
            assertThat(plane.renewCertificates(api.pki(), Instant.now().plus(250, ChronoUnit.DAYS))).isTrue();
            X509Certificate renewed = KubeconfigRenewal.clientCertificate(cm);
            assertThat(renewed.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
            assertThat(renewed.getSubjectX500Principal()).isEqualTo(first.getSubjectX500Principal());
            Instant restarted = Instant.now();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                Lease lease = client.leases().inNamespace("kube-system").withName("kaji-controller-manager").get();
                assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("renewal-test");
                assertThat(lease.getSpec().getRenewTime().toInstant()).isAfter(restarted);
            });

            // A certificate replaced from outside (kaji certs renew) is picked up at the next check.
            KubeconfigRenewal.renew(api.schedulerKubeconfigPath(), api.pki());
            assertThat(plane.renewCertificates(api.pki(), Instant.now())).isTrue();
            assertThat(plane.renewCertificates(api.pki(), Instant.now())).isFalse();
        }
    }

    private static String holder(KubernetesClient client, String lease) {
        Lease l = client.leases().inNamespace("kube-system").withName(lease).get();
        return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    }
}
