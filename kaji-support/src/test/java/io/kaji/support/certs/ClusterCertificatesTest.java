package io.kaji.support.certs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.server.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster scan against Kaji's real API server (in-process, over SQLite) with the fabric8 client. */
class ClusterCertificatesTest {

    @TempDir
    static Path dir;
    static TestServer server;
    static KubernetesClient client;
    static TestCerts.Issued ca;
    static TestCerts.Issued shortLived;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
        client = server.newKubernetesClient();
        Instant now = Instant.now();
        ca = TestCerts.ca("app-ca", now.minusSeconds(60), now.plus(Duration.ofDays(365)));
        shortLived = TestCerts.leaf("shop.example", ca, now.minusSeconds(60), now.plus(Duration.ofDays(3)));
        client.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("shop-tls")
                .endMetadata().withType("kubernetes.io/tls")
                .withData(Map.of("tls.crt", b64(shortLived.pem() + ca.pem()), "tls.key", b64(shortLived.keyPem())))
                .build()).create();
        client.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("bundle")
                .endMetadata().withData(Map.of("ca.pem", b64(ca.pem()), "password", b64("hunter2")))
                .build()).create();
        client.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("broken")
                .endMetadata().withType("kubernetes.io/tls")
                .withData(Map.of("tls.crt", b64("not a certificate"), "tls.key", b64("x"))).build()).create();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Test
    void findsTheKubeconfigCaTheServingChainAndCertificatesInSecrets() {
        Instant now = Instant.now();
        ClusterCertificates.Result result = ClusterCertificates.scan(client, now, Thresholds.DEFAULT);
        Map<String, CertificateEntry> byName = result.entries().stream()
                .collect(Collectors.toMap(CertificateEntry::name, Function.identity()));

        assertThat(result.problems()).isEmpty();
        assertThat(byName.get("kubeconfig/cluster-ca")).satisfies(e -> {
            assertThat(e.source()).isEqualTo(Source.KUBECONFIG);
            assertThat(e.ca()).isTrue();
            assertThat(e.notAfter()).isEqualTo(server.server().pki().caCertificate().getNotAfter().toInstant());
        });
        assertThat(byName.get("apiserver/serving")).satisfies(e -> {
            assertThat(e.source()).isEqualTo(Source.API_SERVER);
            assertThat(e.notAfter())
                    .isEqualTo(server.server().pki().servingCertificate().getNotAfter().toInstant());
            assertThat(e.status()).isEqualTo(ExpiryStatus.OK);
        });
        assertThat(byName.get("secret/default/shop-tls/tls.crt#0")).satisfies(e -> {
            assertThat(e.namespace()).isEqualTo("default");
            assertThat(e.object()).isEqualTo("shop-tls");
            assertThat(e.subject()).isEqualTo("CN=shop.example");
            assertThat(e.authority()).isEqualTo("app-ca");
            assertThat(e.status()).isEqualTo(ExpiryStatus.CRITICAL);
        });
        assertThat(byName.get("secret/default/shop-tls/tls.crt#1").ca()).isTrue();
        assertThat(byName.get("secret/default/bundle/ca.pem").status()).isEqualTo(ExpiryStatus.OK);
        assertThat(byName).doesNotContainKeys("secret/default/bundle/password", "secret/default/shop-tls/tls.key");
        assertThat(byName.get("secret/default/broken/tls.crt")).satisfies(e -> {
            assertThat(e.status()).isEqualTo(ExpiryStatus.INVALID);
            assertThat(e.error()).isEqualTo("holds no PEM certificate");
        });

        ExpiryReport report = new ExpiryReport(now, Thresholds.DEFAULT, result.entries(), result.problems());
        assertThat(report.worst()).isEqualTo(ExpiryStatus.INVALID);
        assertThat(report.text()).contains("CERTIFICATE AUTHORITY", "RESIDUAL TIME",
                "secret/default/shop-tls/tls.crt#0", "CRITICAL", "INVALID: holds no PEM certificate");
        assertThat(report.json()).contains("\"worstStatus\" : \"INVALID\"", "\"source\" : \"secret\"");
        assertThat(report.yaml()).contains("worstStatus: \"INVALID\"").doesNotContain("hunter2");
    }

    @Test
    void refusedCredentialsAreReportedPerSourceNotHidden() throws Exception {
        Config bad = Config.fromKubeconfig(Files.readString(server.kubeconfig()));
        bad.setOauthToken("not-the-token");
        bad.setClientCertData(null); // the admin kubeconfig authenticates with a client certificate
        bad.setClientKeyData(null);
        bad.setRequestRetryBackoffLimit(0);
        try (KubernetesClient refused = new KubernetesClientBuilder().withConfig(bad).build()) {
            ClusterCertificates.Result result = ClusterCertificates.scan(refused, Instant.now(), Thresholds.DEFAULT);
            assertThat(result.problems()).extracting(ClusterCertificates.Problem::source).contains("secrets");
            assertThat(result.problems()).allSatisfy(p -> assertThat(p.reason()).startsWith("unauthorized"));
            // What needs no API call is still checked.
            assertThat(result.entries()).extracting(CertificateEntry::name)
                    .contains("kubeconfig/cluster-ca", "apiserver/serving");
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
