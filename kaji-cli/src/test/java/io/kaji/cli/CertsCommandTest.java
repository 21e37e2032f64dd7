package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.server.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code kaji certs check-expiration} against a real API server and its data dir. */
class CertsCommandTest {

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
    void listsKajiPkiAndClusterCertificatesAsJson() {
        KajiCommandTest.Run r = KajiCommandTest.run("certs", "check-expiration", "--data-dir", dir.toString(),
                "--kubeconfig", server.kubeconfig().toString(), "-o", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode doc = JsonMapper.shared().readTree(r.out());
        assertThat(doc.path("worstStatus").asString()).isEqualTo("OK");
        assertThat(doc.path("notChecked").size()).isZero();
        assertThat(doc.path("certificates").valueStream()
                .map(c -> c.path("source").asString() + ":" + c.path("name").asString()))
                .contains("kaji-pki:ca", "kaji-pki:apiserver", "kubeconfig:kubeconfig/cluster-ca",
                        "apiserver:apiserver/serving");
        JsonNode apiserver = doc.path("certificates").valueStream()
                .filter(c -> c.path("name").asString().equals("apiserver")).findFirst().orElseThrow();
        assertThat(apiserver.path("authority").asString()).isEqualTo("ca");
        assertThat(apiserver.path("externallyManaged").asBoolean(true)).isFalse();
        assertThat(apiserver.path("residualSeconds").asLong()).isGreaterThan(360L * 86_400);
    }

    @Test
    void exitCodeFollowsTheWorstStatusAndTheThresholds() {
        // The serving certificate lives a year, the CA ten: a 400-day warning threshold makes the year WARNING.
        KajiCommandTest.Run warning = KajiCommandTest.run("certs", "check-expiration", "--data-dir", dir.toString(),
                "--skip-cluster", "--warning-days", "400");
        assertThat(warning.exitCode()).as(warning.err()).isEqualTo(1);
        assertThat(warning.out()).containsPattern("apiserver\\s+\\w{3} \\d{2}, \\d{4} \\d{2}:\\d{2} UTC\\s+36[45]d\\s+ca"
                + "\\s+no\\s+WARNING");
        assertThat(warning.out()).containsPattern("(?m)^CERTIFICATE AUTHORITY\\s+EXPIRES\\s+RESIDUAL TIME");
        assertThat(warning.out()).containsPattern("(?m)^ca\\s+.*\\s+9y\\s+no\\s+OK$");

        KajiCommandTest.Run critical = KajiCommandTest.run("certs", "check-expiration", "--data-dir",
                dir.toString(), "--skip-cluster", "--warning-days", "400", "--critical-days", "400");
        assertThat(critical.exitCode()).isEqualTo(2);
    }

    @Test
    void aMalformedCertificateIsReportedNotACrash(@org.junit.jupiter.api.io.TempDir Path elsewhere) throws Exception {
        // Its own data dir: the shared one must stay valid for the other tests (nested pki/ dirs are scanned too).
        Path other = Files.createDirectories(elsewhere.resolve("other/pki"));
        Files.writeString(other.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        KajiCommandTest.Run r = KajiCommandTest.run("certs", "check-expiration", "--data-dir",
                other.getParent().toString(), "--skip-cluster");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).contains("INVALID: not an X.509 certificate");
    }

    @Test
    void badUsageIsOneLineAndExitCodeThree() {
        KajiCommandTest.Run missing = KajiCommandTest.run("certs", "check-expiration", "--data-dir", dir.toString(),
                "--kubeconfig", dir.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(3);
        assertThat(missing.err()).contains("cannot read the kubeconfig");
        KajiCommandTest.Run thresholds = KajiCommandTest.run("certs", "check-expiration", "--data-dir",
                dir.toString(), "--warning-days", "5", "--critical-days", "10");
        assertThat(thresholds.exitCode()).isEqualTo(3);
        assertThat(thresholds.err()).contains("must not be longer than the warning threshold");
    }

    @Test
    void anUnreachableClusterIsUnknownAndSaysWhy() throws Exception {
        Path kubeconfig = dir.resolve("dead.kubeconfig");
        Files.writeString(kubeconfig, Files.readString(server.kubeconfig())
                .replaceAll("https://[^\\s]+", "https://127.0.0.1:1"));
        KajiCommandTest.Run r = KajiCommandTest.run("certs", "check-expiration", "--kubeconfig",
                kubeconfig.toString(), "--data-dir", dir.toString());
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(r.out()).contains("Not checked:", "apiserver: TLS handshake with 127.0.0.1:1 failed",
                "secrets: cannot reach the API server");
    }

    @Test
    void renewAllReissuesTheCertificatesAndTheRunningServerServesTheNewOneWithoutRestart() throws Exception {
        java.security.cert.X509Certificate before = servedCertificate();
        String adminBefore = Files.readString(server.kubeconfig());
        KajiCommandTest.Run r = KajiCommandTest.run("certs", "renew", "all", "--data-dir", dir.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("certificate for serving the Kubernetes API renewed: valid until",
                "certificate embedded in " + server.kubeconfig() + " renewed: CN=kaji-admin,O=kaji:cluster-admins",
                "super-admin.conf renewed: CN=kubernetes-super-admin,O=system:masters",
                "controller-manager.conf renewed", "scheduler.conf renewed");
        assertThat(Files.readString(server.kubeconfig())).isNotEqualTo(adminBefore);
        String renewedPem = Files.readString(dir.resolve("pki/apiserver.crt"));
        org.awaitility.Awaitility.await("the server serves the renewed certificate").atMost(java.time.Duration
                .ofSeconds(30)).pollInterval(java.time.Duration.ofMillis(500))
                .until(() -> !servedCertificate().equals(before));
        java.security.cert.X509Certificate after = servedCertificate();
        assertThat(io.kaji.support.certs.PemCertificates.parse(renewedPem).get(0).certificate()).isEqualTo(after);
        assertThat(java.util.List.copyOf(after.getSubjectAlternativeNames()))
                .isEqualTo(java.util.List.copyOf(before.getSubjectAlternativeNames()));
        // kubectl-style use of the renewed admin kubeconfig works against the same, still running, server.
        try (var client = Kubeconfigs.client(server.kubeconfig())) {
            assertThat(client.namespaces().withName("default").get()).isNotNull();
        }
        KajiCommandTest.Run bad = KajiCommandTest.run("certs", "renew", "ca", "--data-dir", dir.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown certificate 'ca'");
    }

    /** The certificate the server presents to a new connection. */
    private static java.security.cert.X509Certificate servedCertificate() throws Exception {
        var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) { }

            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) { }

            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        try (var socket = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1",
                server.server().port())) {
            socket.startHandshake();
            return (java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
