package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.pki.NodeToken;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Joining with only a URL and the node token, against an in-process API server on a free loopback port. */
class NodeJoinTest {

    @TempDir
    static Path dir;
    static SqliteStore store;
    static ApiServer server;

    @BeforeAll
    static void start() {
        store = SqliteStore.open(dir.resolve("db"));
        server = ApiServer.start(ApiServerConfig.defaults(dir).withPort(0).withVersion("test"), store);
    }

    @AfterAll
    static void stop() {
        server.close();
        store.close();
    }

    @Test
    void theTokenFromTheFileJoinsOverVerifiedTls() throws Exception {
        NodeToken token = NodeToken.parse(Files.readString(dir.resolve("node-token")));
        Config config = NodeJoin.clientConfig(server.url(), token);
        assertThat(config.getTrustCerts()).isFalse();
        assertThat(config.getOauthToken()).isEqualTo(token.value());
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            // The token is a bootstrap credential: it may request certificates and nothing else.
            assertThat(client.certificates().v1().certificateSigningRequests().list().getItems()).isNotNull();
            assertThatThrownBy(() -> client.namespaces().withName("kube-system").get())
                    .hasMessageContaining("User \"system:bootstrap:kaji-node-token\" cannot get resource "
                            + "\"namespaces\"");
        }
    }

    @Test
    void theAgentGetsItsOwnNodeCertificateThroughACertificateSigningRequest() throws Exception {
        NodeToken token = NodeToken.parse(Files.readString(dir.resolve("node-token")));
        Config bootstrap = NodeJoin.clientConfig(server.url(), token);
        Path pki = dir.resolve("agent-pki");
        Config node = NodeCredentials.obtain(bootstrap, "n1", pki, java.time.Duration.ofSeconds(30));
        assertThat(node.getOauthToken()).isNull();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(pki.resolve("node-client.key")))).isEqualTo("rw-------");
        assertThat(Files.readString(pki.resolve("node-client.key"))).startsWith("-----BEGIN PRIVATE KEY-----\n");
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(node).build()) {
            var review = client.resource(new io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewBuilder()
                    .build()).create();
            assertThat(review.getStatus().getUserInfo().getUsername()).isEqualTo("system:node:n1");
            assertThat(review.getStatus().getUserInfo().getGroups()).contains("system:nodes");
            assertThat(client.nodes().list().getItems()).isNotNull();
        }
        // A second start reuses the kept certificate instead of asking again.
        String cert = Files.readString(pki.resolve("node-client.crt"));
        NodeCredentials.obtain(bootstrap, "n1", pki, java.time.Duration.ofSeconds(30));
        assertThat(Files.readString(pki.resolve("node-client.crt"))).isEqualTo(cert);
        // ... but not for another node name.
        NodeCredentials.obtain(bootstrap, "n2", pki, java.time.Duration.ofSeconds(30));
        assertThat(Files.readString(pki.resolve("node-client.crt"))).isNotEqualTo(cert);
    }

    @Test
    void nodeKeysAreReadAsPkcs8AndAsTheSec1FilesOfEarlierBuilds() throws Exception {
        java.security.KeyPair kp = NodeCredentials.newKeyPair();
        assertThat(NodeCredentials.readKey(NodeCredentials.pkcs8Pem(kp.getPrivate()))).isEqualTo(kp.getPrivate());

        var pki = io.kaji.apiserver.pki.ClusterPki.loadOrCreate(dir.resolve("other-pki"), java.util.List.of());
        var sec1 = pki.issueClient("system:node:n9", java.util.List.of("system:nodes"), java.time.Duration.ofHours(1));
        assertThat(sec1.keyPem()).startsWith("-----BEGIN EC PRIVATE KEY-----");
        assertThat(((java.security.interfaces.ECPrivateKey) NodeCredentials.readKey(sec1.keyPem())).getS())
                .isEqualTo(((java.security.interfaces.ECPrivateKey) sec1.key()).getS());

        assertThatThrownBy(() -> NodeCredentials.readKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("PKCS#8");
    }

    @Test
    void aTokenForAnotherCaIsRefusedBeforeAnyCredentialIsSent() throws Exception {
        NodeToken real = NodeToken.parse(Files.readString(dir.resolve("node-token")));
        NodeToken other = new NodeToken("0".repeat(64), real.user(), real.secret());
        assertThatThrownBy(() -> NodeJoin.clientConfig(server.url(), other))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("/cacerts has sha256 " + real.caHash())
                .hasMessageContaining("but the node token expects " + "0".repeat(64))
                .hasMessageNotContaining(real.secret());
    }

    @Test
    void theAgentCommandRefusesAWrongHashWithOneLine() throws Exception {
        NodeToken real = NodeToken.parse(Files.readString(dir.resolve("node-token")));
        String wrong = new NodeToken("f".repeat(64), real.user(), real.secret()).value();
        KajiCommandTest.Run r = KajiCommandTest.run("agent",
                "--server", server.url(), "--token", wrong, "--data-dir", dir.resolve("node").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("kaji agent: the CA served by " + server.url() + "/cacerts has sha256");
        KajiCommandTest.Run bad = KajiCommandTest.run("agent", "--server", server.url(), "--token", "K10nothex::x:y");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--token: the node token's CA hash is not 64 hex digits");
    }

    @Test
    void anUnreachableServerIsOneClearError() {
        assertThatThrownBy(() -> NodeJoin.fetchCa("https://127.0.0.1:1"))
                .hasMessageContaining("cannot fetch the cluster CA from https://127.0.0.1:1/cacerts");
        assertThatThrownBy(() -> NodeJoin.fetchCa("http://127.0.0.1:1")).hasMessageContaining("must be an https:// URL");
    }
}
