package io.kaji.dns;

import static io.kaji.dns.FakeUpstream.addresses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.apiserver.server.TestServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * ClusterDns over informers it does not own, as in the node agent (shared with the service proxy): a server started
 * on informers that have long listed still knows every Service (the informer replays its cache to the new handler),
 * and closing it leaves the informers to the others.
 */
class ClusterDnsSharedInformersTest {

    @TempDir
    Path dir;

    private static DnsOptions loopback() {
        return new DnsOptions("cluster.local", List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                List.of(), Duration.ofSeconds(5), DnsOptions.DEFAULT_REVERSE_CIDRS);
    }

    private static SimpleResolver resolver(ClusterDns dns) {
        SimpleResolver r = new SimpleResolver(dns.boundAddresses().get(0));
        r.setTimeout(Duration.ofSeconds(5));
        return r;
    }

    private static Message ask(SimpleResolver resolver, String name) throws Exception {
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)));
    }

    @Test
    void serversOnSyncedSharedInformersKnowEverythingAndLeaveThemRunning() throws Exception {
        try (TestServer server = TestServer.start(dir); KubernetesClient client = server.newKubernetesClient()) {
            client.services().resource(Objects.clusterIp("default", "early", "10.43.0.60", "http")).create();
            SharedIndexInformer<Service> services = client.services().inAnyNamespace().runnableInformer(0);
            SharedIndexInformer<EndpointSlice> slices =
                    client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0);
            services.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
            slices.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
            try {
                ClusterDns first = ClusterDns.start(services, slices, loopback());
                try (ClusterDns second = ClusterDns.start(services, slices, loopback())) {
                    // Answered at once, without waiting for any event: the existing Service came as a replayed add.
                    assertThat(addresses(ask(resolver(first), "early.default.svc.cluster.local."))).containsExactly("10.43.0.60");
                    assertThat(addresses(ask(resolver(second), "early.default.svc.cluster.local."))).containsExactly("10.43.0.60");

                    first.close();
                    assertThat(services.isRunning()).as("a user's close leaves the shared informer running").isTrue();
                    client.services().resource(Objects.clusterIp("default", "late", "10.43.0.61", "http")).create();
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                            assertThat(addresses(ask(resolver(second), "late.default.svc.cluster.local.")))
                                    .containsExactly("10.43.0.61"));
                    assertThat(first.index().lookup(Name.fromString("late.default.svc.cluster.local."), Type.A)
                            .rcode()).as("the closed server's handlers were removed").isEqualTo(Rcode.NXDOMAIN);
                }
            } finally {
                services.stop();
                slices.stop();
            }
        }
    }

    @Test
    void stoppedInformersAreRefusedWithAMessage() throws Exception {
        try (TestServer server = TestServer.start(dir); KubernetesClient client = server.newKubernetesClient()) {
            SharedIndexInformer<Service> services = client.services().inAnyNamespace().runnableInformer(0);
            SharedIndexInformer<EndpointSlice> slices =
                    client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0);
            services.stop();
            slices.stop();
            assertThatThrownBy(() -> ClusterDns.start(services, slices, loopback()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("DNS cannot list Services and EndpointSlices");
        }
    }
}
