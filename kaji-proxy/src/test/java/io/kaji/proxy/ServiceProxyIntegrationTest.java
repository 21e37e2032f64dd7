package io.kaji.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.apiserver.server.TestServer;
import io.kaji.node.host.HostCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy against real iptables and real traffic: three busybox httpd "pods" and a client in network namespaces on
 * the bridge kajipx0 (100.64.20.0/24), Services with cluster IPs in 100.64.21.0/24, an in-process API server.
 * Needs root, iptables and /bin/busybox; skipped otherwise.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceProxyIntegrationTest {

    private static final String TAG = "PXA1";
    private static final String OTHER_TAG = "PXB2";
    private static final String CLUSTER_CIDR = "100.64.20.0/24";
    private static final String WEB_IP = "100.64.21.20";
    private static final String EMPTY_IP = "100.64.21.21";
    private static final int NODE_PORT = 31871;
    private static final String LOCAL_IP = "100.64.21.22";
    private static final int LOCAL_NODE_PORT = 31872;
    /** The API server's DNS Service address for 100.64.21.0/24 (no Service object needed for the redirect). */
    private static final String DNS_IP = "100.64.21.10";
    private static final int DNS_TARGET_PORT = 18053;
    private static final List<String> BACKENDS = List.of("kpx-a", "kpx-b", "kpx-c");

    @TempDir
    static Path dir;
    static TestNetwork network;
    static TestServer server;
    static KubernetesClient client;
    static ServiceProxy proxy;

    @BeforeAll
    static void setUp() throws IOException {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root (iptables, network namespaces)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "needs /bin/busybox (busybox-static)");
        Assumptions.assumeTrue(HostCommand.run(List.of("iptables", "-V"), Duration.ofSeconds(10)).ok(), "needs iptables");
        removeChains(TAG);
        removeChains(OTHER_TAG);
        network = new TestNetwork(dir.resolve("www"), List.of("a", "b", "c", "cl"), List.of(11, 12, 13, 50));
        network.serve("a");
        network.serve("b");
        network.serve("c");
        network.addOutsideClient();
        // Stands in for the node agent's DNS server on the bridge gateway (TCP is enough to see the redirect).
        network.serveOnHost(TestNetwork.GATEWAY, DNS_TARGET_PORT, "node-local-dns");
        server = TestServer.start(dir.resolve("api"), ApiServerConfig.defaults(dir.resolve("api")).withPort(0).withVersion("test")
                .withServiceCidr("100.64.21.0/24"));
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(null, Files.readString(server.kubeconfig()), null)).build();
        client.services().inNamespace("default").resource(Fixtures.service("web", WEB_IP, 80, NODE_PORT)).create();
        client.services().inNamespace("default").resource(Fixtures.service("empty", EMPTY_IP, 80, 0)).create();
        client.services().inNamespace("default").resource(new ServiceBuilder(Fixtures.service("local", LOCAL_IP, 80, LOCAL_NODE_PORT))
                .editSpec().withExternalTrafficPolicy("Local").endSpec().build()).create();
        EndpointSlice localSlice = Fixtures.slice("local", "local-1", 80, "100.64.20.11", "100.64.20.12");
        localSlice.getEndpoints().get(0).setNodeName("test-node");
        localSlice.getEndpoints().get(1).setNodeName("another-node");
        client.discovery().v1().endpointSlices().inNamespace("default").resource(localSlice).create();
        client.discovery().v1().endpointSlices().inNamespace("default")
                .resource(Fixtures.slice("web", "web-1", 80, "100.64.20.11", "100.64.20.12", "100.64.20.13")).create();
        // Leftovers of a killed earlier run with the same tag: a stale chain and a duplicated jump.
        TestNetwork.run("iptables", "-w", "-t", "nat", "-N", "KAJI-" + TAG + "-SVC-LEFTOVER000000");
        TestNetwork.run("iptables", "-w", "-t", "nat", "-N", "KAJI-" + TAG + "-POSTROUTING");
        for (int i = 0; i < 2; i++) {
            TestNetwork.run("iptables", "-w", "-t", "nat", "-I", "POSTROUTING", "1", "-j", "KAJI-" + TAG + "-POSTROUTING");
        }
        proxy = ServiceProxy.start(client, options(TAG).withLocalDns(CLUSTER_CIDR, DNS_IP,
                new InetSocketAddress(TestNetwork.GATEWAY, DNS_TARGET_PORT)));
    }

    private static ProxyOptions options(String tag) {
        return ProxyOptions.defaults("test-node", tag, CLUSTER_CIDR).withSyncPeriods(Duration.ofMillis(100), Duration.ofSeconds(30));
    }

    @AfterAll
    static void tearDown() {
        if (proxy != null) {
            proxy.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (network != null) {
            network.close();
        }
        removeChains(TAG);
        removeChains(OTHER_TAG);
    }

    @Test
    @Order(1)
    void startConvergesFromLeftoversOfAnEarlierRun() {
        List<String> nat = Iptables.save("nat");
        assertThat(Iptables.chains(nat, c -> c.startsWith("KAJI-" + TAG))).doesNotContain("KAJI-" + TAG + "-SVC-LEFTOVER000000");
        assertThat(Iptables.jumpsInto(nat, c -> c.startsWith("KAJI-" + TAG + "-")))
                .containsExactlyInAnyOrder(
                        "-A PREROUTING -m comment --comment \"kaji service portals\" -j KAJI-" + TAG + "-SERVICES",
                        "-A OUTPUT -m comment --comment \"kaji service portals\" -j KAJI-" + TAG + "-SERVICES",
                        "-A POSTROUTING -m comment --comment \"kaji postrouting\" -j KAJI-" + TAG + "-POSTROUTING");
    }

    @Test
    @Order(2)
    void clientReachesTheClusterIpAndRequestsSpreadOverAllBackends() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 40 && seen.size() < BACKENDS.size(); i++) {
            HostCommand.Result r = TestNetwork.get("cl", "http://" + WEB_IP + "/");
            assertThat(r.ok()).as("GET %s from kpx-cl: %s", WEB_IP, r.stderr()).isTrue();
            seen.add(r.stdout().strip());
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(BACKENDS);
    }

    @Test
    @Order(3)
    void aBackendReachesItsOwnServiceThroughHairpinMasquerade() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 30 && !seen.contains("kpx-a"); i++) {
            HostCommand.Result r = TestNetwork.get("a", "http://" + WEB_IP + "/");
            assertThat(r.ok()).as("GET %s from kpx-a: %s", WEB_IP, r.stderr()).isTrue();
            seen.add(r.stdout().strip());
        }
        assertThat(seen).contains("kpx-a");
    }

    @Test
    @Order(4)
    void hostReachesTheNodePortOnLoopback() throws IOException {
        for (int i = 0; i < 5; i++) {
            assertThat(BACKENDS).contains(httpGet(new InetSocketAddress("127.0.0.1", NODE_PORT)));
        }
    }

    @Test
    @Order(5)
    void outsideClientsOfAClusterPolicyNodePortAreMasqueradedAndSpread() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 30 && seen.size() < BACKENDS.size(); i++) {
            String[] who = TestNetwork.who("ext", "http://" + TestNetwork.OUTSIDE_NODE_ADDRESS + ":" + NODE_PORT + "/cgi-bin/who").split(" ");
            assertThat(who[1]).as("client address seen by the backend").isEqualTo(TestNetwork.GATEWAY);
            seen.add(who[0]);
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(BACKENDS);
    }

    @Test
    @Order(6)
    void outsideClientsOfALocalPolicyNodePortReachOnlyThisNodesEndpointsWithTheirOwnAddress() {
        for (int i = 0; i < 10; i++) {
            assertThat(TestNetwork.who("ext", "http://" + TestNetwork.OUTSIDE_NODE_ADDRESS + ":" + LOCAL_NODE_PORT + "/cgi-bin/who"))
                    .isEqualTo("kpx-a " + TestNetwork.OUTSIDE_CLIENT);
        }
        // Pods still reach every endpoint through the node port.
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 30 && seen.size() < 2; i++) {
            HostCommand.Result r = TestNetwork.get("cl", "http://" + TestNetwork.OUTSIDE_NODE_ADDRESS + ":" + LOCAL_NODE_PORT + "/");
            assertThat(r.ok()).as("GET local node port from kpx-cl: %s", r.stderr()).isTrue();
            seen.add(r.stdout().strip());
        }
        assertThat(seen).containsExactlyInAnyOrder("kpx-a", "kpx-b");
    }

    @Test
    @Order(7)
    void serviceWithoutEndpointsIsRefusedFast() {
        long start = System.nanoTime();
        HostCommand.Result r = TestNetwork.get("cl", "http://" + EMPTY_IP + "/");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(r.ok()).isFalse();
        assertThat(r.stdout() + r.stderr()).contains("Connection refused");
        assertThat(took).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    @Order(8)
    void dnsTrafficFromLocalPodsIsRedirectedToTheNodeLocalTarget() {
        HostCommand.Result r = TestNetwork.get("cl", "http://" + DNS_IP + ":53/");
        assertThat(r.ok()).as("GET %s:53 from kpx-cl: %s", DNS_IP, r.stderr()).isTrue();
        assertThat(r.stdout().strip()).isEqualTo("node-local-dns");
    }

    @Test
    @Order(9)
    void removingAnEndpointStopsTrafficToItWithinTwoSeconds() {
        EndpointSlice twoLeft = Fixtures.slice("web", "web-1", 80, "100.64.20.11", "100.64.20.12");
        long start = System.nanoTime();
        client.discovery().v1().endpointSlices().inNamespace("default").resource(twoLeft).update();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> Iptables.save("nat").stream().noneMatch(l -> l.contains("100.64.20.13:80")));
        Duration programmed = Duration.ofNanos(System.nanoTime() - start);
        for (int i = 0; i < 20; i++) {
            HostCommand.Result r = TestNetwork.get("cl", "http://" + WEB_IP + "/");
            assertThat(r.ok()).isTrue();
            assertThat(r.stdout().strip()).isIn("kpx-a", "kpx-b");
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> proxy.programmingLatency().count() >= 1);
        LatencySnapshot latency = proxy.programmingLatency();
        System.out.println("endpoint removal programmed after " + programmed.toMillis() + " ms; programming latency " + latency);
        assertThat(latency.count()).isGreaterThanOrEqualTo(1);
        assertThat(latency.p99()).isLessThanOrEqualTo(Duration.ofSeconds(2));
    }

    @Test
    @Order(10)
    void programmingLatencyOverManyChanges() {
        // 20 slice updates in a row: each must be in place (p99 of change → rules <= 2 s).
        for (int i = 0; i < 20; i++) {
            List<String> ips = i % 2 == 0 ? List.of("100.64.20.11", "100.64.20.12", "100.64.20.13") : List.of("100.64.20.11", "100.64.20.12");
            client.discovery().v1().endpointSlices().inNamespace("default")
                    .resource(Fixtures.slice("web", "web-1", 80, ips.toArray(String[]::new))).update();
            boolean third = ips.size() == 3;
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                    .until(() -> Iptables.save("nat").stream().anyMatch(l -> l.contains("100.64.20.13:80")) == third);
        }
        // The last change is recorded just after iptables-restore returns, which the rules may show a moment earlier.
        await().atMost(Duration.ofSeconds(2)).until(() -> proxy.programmingLatency().count() >= 21);
        LatencySnapshot latency = proxy.programmingLatency();
        System.out.println("programming latency after 20 more changes: " + latency);
        assertThat(latency.p99()).isLessThanOrEqualTo(Duration.ofSeconds(2));
    }

    /** The second instance runs over informers it does not own, as the agent's proxy does (shared with DNS). */
    @Test
    @Order(11)
    void aSecondInstanceOnSharedInformersLeavesTheFirstsChainsAloneAndTheInformersRunning() throws Exception {
        List<String> before = ownLines(TAG);
        SharedIndexInformer<Service> services = client.services().inAnyNamespace().runnableInformer(0);
        SharedIndexInformer<EndpointSlice> slices = client.discovery().v1().endpointSlices().inAnyNamespace()
                .runnableInformer(0);
        services.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
        slices.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
        try {
            try (ServiceProxy second = ServiceProxy.start(services, slices, options(OTHER_TAG))) {
                assertThat(ownLines(OTHER_TAG)).anyMatch(l -> l.contains("-j DNAT --to-destination 100.64.20.11:80"));
                assertThat(ownLines(TAG)).isEqualTo(before);
            }
            assertThat(ownLines(OTHER_TAG)).isEmpty();
            assertThat(ownLines(TAG)).isEqualTo(before);
            assertThat(services.isRunning() && slices.isRunning()).as("closing a user leaves shared informers running")
                    .isTrue();
        } finally {
            services.stop();
            slices.stop();
        }
        HostCommand.Result r = TestNetwork.get("cl", "http://" + WEB_IP + "/");
        assertThat(r.ok()).as("GET after the second instance closed: %s", r.stderr()).isTrue();
    }

    @Test
    @Order(12)
    void aFullResyncHealsAFlushedChainAndADeletedJump() {
        ProxyOptions quickResync = ProxyOptions.defaults("test-node", OTHER_TAG, CLUSTER_CIDR)
                .withSyncPeriods(Duration.ofMillis(100), Duration.ofSeconds(1));
        try (ServiceProxy second = ServiceProxy.start(client, quickResync)) {
            List<String> programmed = ownLines(OTHER_TAG);
            TestNetwork.run("iptables", "-w", "-t", "nat", "-F", "KAJI-" + OTHER_TAG + "-SERVICES");
            TestNetwork.run("iptables", "-w", "-t", "nat", "-D", "OUTPUT", "-m", "comment", "--comment", "kaji service portals",
                    "-j", "KAJI-" + OTHER_TAG + "-SERVICES");
            assertThat(ownLines(OTHER_TAG)).isNotEqualTo(programmed);
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                    .until(() -> new HashSet<>(ownLines(OTHER_TAG)).equals(new HashSet<>(programmed)));
        }
        assertThat(ownLines(OTHER_TAG)).isEmpty();
    }

    @Test
    @Order(13)
    void closeLeavesNoChainAndNoJumpBehind() {
        proxy.close();
        proxy = null;
        assertThat(ownLines(TAG)).isEmpty();
    }

    /** Every iptables-save line (nat and filter) that declares, fills or jumps to a chain of {@code tag}. */
    private static List<String> ownLines(String tag) {
        Predicate<String> mine = l -> l.contains("KAJI-" + tag + "-");
        return Iptables.TABLES.stream().flatMap(t -> Iptables.save(t).stream()).filter(mine)
                .map(l -> l.replaceAll("\\[\\d+:\\d+\\]", "")).toList();
    }

    private static void removeChains(String tag) {
        for (String table : Iptables.TABLES) {
            KajiIptables.remove(table, c -> c.startsWith("KAJI-" + tag + "-"));
        }
    }

    private static String httpGet(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, 3000);
            socket.setSoTimeout(3000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET / HTTP/1.0\r\nHost: " + address.getHostString() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return response.substring(response.indexOf("\r\n\r\n") + 4).strip();
        }
    }
}
