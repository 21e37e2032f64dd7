package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.node.NodeLayout;
import io.kaji.store.sqlite.SqliteStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent that joined with a {@code kaji token create} token keeps working while its short-lived node
 * certificate is renewed twice: new certificates on disk, its API clients switched, its Node Ready and its Lease
 * renewed after the first certificate expired. Then the token is deleted and can no longer join.
 */
class NodeCertificateRotationTest {

    @TempDir
    Path dir;

    @Test
    void theAgentRotatesItsCertificateAndStaysReady() throws Exception {
        ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();
        try (SqliteStore store = SqliteStore.open(dir.resolve("db"));
                ApiServer server = ApiServer.start(ApiServerConfig.defaults(dir.resolve("server")).withPort(0)
                        .withVersion("test").withNodeCertificateValidity(Duration.ofSeconds(30)), store);
                KubernetesClient admin = new KubernetesClientBuilder()
                        .withConfig(Config.fromKubeconfig(Files.readString(server.kubeconfigPath()))).build()) {
            StringWriter out = new StringWriter();
            int code = KajiCommand.commandLine("token").setOut(new PrintWriter(out)).execute("token", "create",
                    "--kubeconfig", server.kubeconfigPath().toString(), "--ttl", "10m", "--description", "rotation");
            assertThat(code).isZero();
            JoinToken join = JoinToken.parse(out.toString());
            assertThat(join.id()).isNotNull();

            Config bootstrap = NodeJoin.clientConfig(server.url(), join);
            Path pki = dir.resolve("node/pki");
            NodeClientCertificate cert = NodeCredentials.obtainRotating(bootstrap, "rot1", pki, Duration.ofSeconds(30),
                    background);
            X509Certificate first = cert.certificate();
            Set<BigInteger> serials = new LinkedHashSet<>();
            serials.add(first.getSerialNumber());
            LocalAgent.Options options = new LocalAgent.Options("rot1", new NodeLayout(dir.resolve("node")), null,
                    null, null, Duration.ofSeconds(1), Duration.ofSeconds(10), false, 0);
            long started = System.nanoTime();
            try (LocalAgent agent = LocalAgent.startWithCertificate(cert, options, true, background)) {
                // What the node IPAM controller would do (not running here): without a pod CIDR no node is Ready.
                await().atMost(Duration.ofSeconds(20)).until(() -> admin.nodes().withName("rot1").get() != null);
                admin.nodes().withName("rot1").edit(n -> {
                    n.getSpec().setPodCIDR("100.64.136.0/24");
                    return n;
                });
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                    serials.add(cert.certificate().getSerialNumber());
                    return serials.size() >= 3 && cert.certificate().getNotBefore().toInstant()
                            .isAfter(first.getNotAfter().toInstant().minusSeconds(60));
                });
                System.out.printf("two rotations in %d s%n", (System.nanoTime() - started) / 1_000_000_000L);
                // The files on disk are the current certificate, and the old one has expired meanwhile.
                assertThat(NodeClientCertificate.parse(Files.readString(pki.resolve("node-client.crt")))
                        .getSerialNumber()).isEqualTo(cert.certificate().getSerialNumber());
                // The Lease is the heartbeat (the Node's conditions are only rewritten when they change).
                Instant firstExpired = first.getNotAfter().toInstant();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    Lease lease = admin.leases().inNamespace("kube-node-lease").withName("rot1").get();
                    return lease != null && lease.getSpec().getRenewTime() != null
                            && lease.getSpec().getRenewTime().toInstant().isAfter(firstExpired.plusSeconds(2));
                });
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    Node node = admin.nodes().withName("rot1").get();
                    assertThat(node.getStatus().getConditions()).filteredOn(c -> c.getType().equals("Ready"))
                            .singleElement().satisfies(c -> assertThat(c.getStatus()).as(c.getMessage())
                                    .isEqualTo("True"));
                });
                // The renewals were CSRs of the node itself, approved as selfnodeclient.
                assertThat(admin.certificates().v1().certificateSigningRequests().list().getItems())
                        .filteredOn(c -> "system:node:rot1".equals(c.getSpec().getUsername())).hasSizeGreaterThanOrEqualTo(2)
                        .allSatisfy(c -> assertThat(c.getStatus().getCertificate()).isNotEmpty());
            } finally {
                cert.close();
            }

            // A deleted token cannot join any more.
            code = KajiCommand.commandLine("token").setOut(new PrintWriter(new StringWriter())).execute("token",
                    "delete", "--kubeconfig", server.kubeconfigPath().toString(), join.id());
            assertThat(code).isZero();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (KubernetesClient replay = new KubernetesClientBuilder().withConfig(bootstrap).build()) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> replay.certificates().v1()
                            .certificateSigningRequests().list()).hasMessageContaining("401");
                }
            });
        } finally {
            background.shutdownNow();
        }
    }

    @Test
    void aKeptCertificateIsUsableOnlyWithItsKeyFromTheClusterCaAndWithTimeLeft() throws Exception {
        var pki = io.kaji.apiserver.pki.ClusterPki.loadOrCreate(dir.resolve("pki"), java.util.List.of());
        var foreign = io.kaji.apiserver.pki.ClusterPki.loadOrCreate(dir.resolve("other"), java.util.List.of());
        var nodes = java.util.List.of("system:nodes");
        var mine = pki.issueClient("system:node:n1", nodes, Duration.ofHours(10));
        var other = pki.issueClient("system:node:n1", nodes, Duration.ofHours(10));
        X509Certificate ca = pki.caCertificate();
        Instant now = Instant.now();
        assertThat(NodeCredentials.usable(mine.certificate(), mine.keyPem(), ca, "system:node:n1", now)).isTrue();
        assertThat(NodeCredentials.usable(mine.certificate(), other.keyPem(), ca, "system:node:n1", now)).isFalse();
        assertThat(NodeCredentials.usable(mine.certificate(), mine.keyPem(), ca, "system:node:n2", now)).isFalse();
        var alien = foreign.issueClient("system:node:n1", nodes, Duration.ofHours(10));
        assertThat(NodeCredentials.usable(alien.certificate(), alien.keyPem(), ca, "system:node:n1", now)).isFalse();
        // A 10-hour certificate is kept until a tenth of its lifetime is left (not a whole day before).
        assertThat(NodeCredentials.usable(mine.certificate(), mine.keyPem(), ca, "system:node:n1",
                now.plus(Duration.ofHours(8)))).isTrue();
        assertThat(NodeCredentials.usable(mine.certificate(), mine.keyPem(), ca, "system:node:n1",
                now.plus(Duration.ofHours(9).plusMinutes(30)))).isFalse();
    }

    @Test
    void renewalIsDueBetweenSeventyAndNinetyPercentOfTheLifetime() throws Exception {
        var pki = io.kaji.apiserver.pki.ClusterPki.loadOrCreate(dir.resolve("pki"), java.util.List.of());
        X509Certificate c = pki.issueClient("system:node:x", java.util.List.of("system:nodes"), Duration.ofHours(10))
                .certificate();
        Instant from = c.getNotBefore().toInstant();
        long total = Duration.between(from, c.getNotAfter().toInstant()).toMillis();
        assertThat(NodeClientCertificate.rotationDeadline(c, 0.7)).isEqualTo(from.plusMillis((long) (total * 0.7)));
        assertThat(NodeClientCertificate.rotationDeadline(c, 0.9)).isBefore(c.getNotAfter().toInstant());
    }
}
