package io.kaji.dns;

import static io.kaji.dns.FakeUpstream.addresses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** A real API server, the fabric8 client, ClusterDns on loopback and a fake upstream; queries over UDP and TCP. */
class ClusterDnsIntegrationTest {

    @TempDir
    static Path dir;

    static TestServer server;
    static KubernetesClient client;
    static FakeUpstream upstream;
    static ClusterDns dns;
    static SimpleResolver udp;
    static SimpleResolver tcp;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
        client = server.newKubernetesClient();
        upstream = new FakeUpstream();
        dns = ClusterDns.start(client, new DnsOptions("cluster.local",
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), List.of(upstream.address()),
                Duration.ofSeconds(5), DnsOptions.DEFAULT_REVERSE_CIDRS));
        InetSocketAddress at = dns.boundAddresses().get(0);
        assertThat(at.getPort()).isPositive();
        udp = new SimpleResolver(at);
        udp.setTimeout(Duration.ofSeconds(5));
        tcp = new SimpleResolver(at);
        tcp.setTCP(true);
        tcp.setTimeout(Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() throws Exception {
        if (dns != null) {
            dns.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static Message ask(SimpleResolver resolver, String name, int type) throws Exception {
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    @Test
    void theApiServersOwnServiceIsThereAfterStart() throws Exception {
        String ip = client.services().inNamespace("default").withName("kubernetes").get().getSpec().getClusterIP();
        assertThat(addresses(ask(udp, "kubernetes.default.svc.cluster.local.", Type.A))).containsExactly(ip);
    }

    @Test
    void serviceAppearsAndDisappears() throws Exception {
        client.services().resource(Objects.clusterIp("default", "web", "10.43.0.50", "http")).create();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Message r = ask(udp, "web.default.svc.cluster.local.", Type.A);
            assertThat(r.getHeader().getFlag(Flags.AA)).isTrue();
            assertThat(addresses(r)).containsExactly("10.43.0.50");
        });
        assertThat(addresses(ask(tcp, "web.default.svc.cluster.local.", Type.A))).containsExactly("10.43.0.50");
        assertThat(ask(udp, "50.0.43.10.in-addr.arpa.", Type.PTR).getSection(org.xbill.DNS.Section.ANSWER))
                .map(Record::rdataToString).containsExactly("web.default.svc.cluster.local.");

        client.services().inNamespace("default").withName("web").delete();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(ask(udp, "web.default.svc.cluster.local.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN));
    }

    @Test
    void headlessServiceAnswersItsEndpointSlicesReadyAddresses() throws Exception {
        client.services().resource(Objects.headless("default", "db", "pg")).create();
        EndpointSlice slice = Objects.slice("default", "db-x1", "db", "pg", 5432,
                "db-0=10.42.0.11", "db-1=10.42.0.12", "!db-2=10.42.0.13");
        client.discovery().v1().endpointSlices().resource(slice).create();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(addresses(ask(udp, "db.default.svc.cluster.local.", Type.A)))
                        .containsExactlyInAnyOrder("10.42.0.11", "10.42.0.12"));
        assertThat(addresses(ask(tcp, "db-1.db.default.svc.cluster.local.", Type.A))).containsExactly("10.42.0.12");
        Message srv = ask(udp, "_pg._tcp.db.default.svc.cluster.local.", Type.SRV);
        assertThat(srv.getSection(org.xbill.DNS.Section.ANSWER)).hasSize(2);
        assertThat(srv.getSection(org.xbill.DNS.Section.ADDITIONAL)).filteredOn(a -> a.getType() == Type.A)
                .map(a -> a.getName() + " " + a.rdataToString()).containsExactlyInAnyOrder(
                        "db-0.db.default.svc.cluster.local. 10.42.0.11", "db-1.db.default.svc.cluster.local. 10.42.0.12");

        client.discovery().v1().endpointSlices().inNamespace("default").withName("db-x1").delete();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(ask(udp, "db.default.svc.cluster.local.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN));
    }

    @Test
    void otherNamesAreForwardedUdpThenTcpOnTruncation() throws Exception {
        Message r = ask(udp, "www.example.org.", Type.A);
        assertThat(r.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(addresses(r)).containsExactly(FakeUpstream.ANSWER);
        assertThat(upstream.asked).contains("www.example.org.");

        Message big = ask(tcp, "big.example.org.", Type.A);
        assertThat(addresses(big)).hasSize(60);
        assertThat(upstream.askedOverTcp).as("the upstream's UDP answer was truncated").contains("big.example.org.");
    }

    @Test
    void externalNameServiceIsACnameChasedUpstream() {
        client.services().resource(Objects.externalName("default", "docs", "docs.example.org")).create();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Message r = ask(udp, "docs.default.svc.cluster.local.", Type.A);
            assertThat(r.getSection(org.xbill.DNS.Section.ANSWER))
                    .map(x -> Type.string(x.getType()) + " " + x.rdataToString())
                    .containsExactly("CNAME docs.example.org.", "A " + FakeUpstream.ANSWER);
        });
    }

    @Test
    void anUpstreamThatDoesNotAnswerGivesServfail() throws Exception {
        assertThat(ask(udp, "slow.example.org.", Type.A).getRcode()).isEqualTo(Rcode.SERVFAIL);
    }

    @Test
    void clusterNamesAndSearchPathExpansionsAreNeverForwarded() throws Exception {
        for (String name : List.of("web.default.svc.cluster.local.default.svc.cluster.local.",
                "nothing.kube-system.svc.cluster.local.", "1.0.43.10.in-addr.arpa.", "9.9.42.10.in-addr.arpa.")) {
            ask(udp, name, Type.A);
        }
        assertThat(ask(udp, "web.default.svc.cluster.local.default.svc.cluster.local.", Type.A).getRcode())
                .isEqualTo(Rcode.NXDOMAIN);
        assertThat(upstream.asked).noneMatch(n -> n.endsWith("cluster.local.") || n.endsWith("in-addr.arpa."));
    }
}
