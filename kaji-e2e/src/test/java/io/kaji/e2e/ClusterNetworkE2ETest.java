package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.cli.localcluster.LocalCluster;
import io.kaji.node.host.HostCommand;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Issue 7 end to end, with real parts only: a {@code kaji server} process (control plane, no agent) and two
 * {@code kaji agent} processes on this machine, each with its own containerd, bridge and podCIDR, its service
 * proxy (iptables), cluster DNS and NetworkPolicy enforcer. A 3-replica busybox httpd Deployment behind a NodePort
 * Service; a client pod on the other node reaches it by DNS name and by ClusterIP, the host by NodePort on
 * loopback; replicas share the requests; deleting and adding pods reprograms the rules within 2 s; a default-deny
 * NetworkPolicy blocks the client and an allow rule for its label lets it back in. All addresses are in
 * 100.64.0.0/10 (pods 100.64.40.0/22, services 100.64.48.0/24).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIf("rootWithContainerd")
class ClusterNetworkE2ETest {

    private static final String CLUSTER_CIDR = "100.64.40.0/22";
    private static final String SERVICE_CIDR = "100.64.48.0/24";
    private static final List<String> NODES = List.of("e2e-net-a", "e2e-net-b");
    private static final List<String> BRIDGES = List.of("kajie1", "kajie2");
    private static final String NS = "default";

    private final Path root = Path.of("target", "e2e-network").toAbsolutePath();
    private LocalCluster cluster;
    private KubernetesClient client;
    private Kubectl kubectl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private String clusterIp;
    private int nodePort;

    static boolean rootWithContainerd() {
        return LocalCluster.supported();
    }

    @BeforeAll
    void startCluster() throws Exception {
        cluster = LocalCluster.start(new LocalCluster.Spec(root, CLUSTER_CIDR, SERVICE_CIDR, NODES, BRIDGES, List.of()));
        client = cluster.client();
        kubectl = new Kubectl(Kubectl.DEFAULT_BINARY, cluster.kubeconfig(),
                Files.createDirectories(root.resolve("home")));
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aClientOnTheOtherNodeReachesTheReplicasByNameAndClusterIpAndTheHostByNodePort() throws Exception {
        Kubectl.Result applied = kubectl.run(java.util.Map.of(), """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  replicas: 3
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers:
                      - name: httpd
                        image: docker.io/kaji/busybox:1.35
                        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
                        ports: [{name: http, containerPort: 8080}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec:
                  type: NodePort
                  selector: {app: web}
                  ports: [{port: 80, targetPort: http}]
                """, "apply", "-f", "-");
        assertThat(applied.exitCode()).as(applied.toString()).isZero();
        var svc = client.services().inNamespace(NS).withName("web").get();
        clusterIp = svc.getSpec().getClusterIP();
        nodePort = svc.getSpec().getPorts().get(0).getNodePort();
        assertThat(clusterIp).startsWith("100.64.48.");

        await("3 web replicas Running").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> webPods().size() == 3);

        Kubectl.Result clientPod = kubectl.run(java.util.Map.of(), """
                apiVersion: v1
                kind: Pod
                metadata: {name: client, labels: {app: client}}
                spec:
                  nodeName: e2e-net-b
                  containers:
                  - name: client
                    image: docker.io/kaji/busybox:1.35
                    env: [{name: WEB_IP, value: "%s"}]
                    command: ["sh", "-c", "while true; do t=$(date +%%s); a=$(timeout 3 wget -q -O - http://web.default.svc.cluster.local/ 2>/dev/null || echo FAIL); b=$(timeout 3 wget -q -O - http://$WEB_IP/ 2>/dev/null || echo FAIL); echo \\"probe $t dns=$a ip=$b\\"; sleep 0.2; done"]
                """.formatted(clusterIp), "apply", "-f", "-");
        assertThat(clientPod.exitCode()).as(clientPod.toString()).isZero();

        Set<String> names = webPodNames();
        await("the client reaches every replica by DNS name and by ClusterIP").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    List<Probe> probes = clientProbes(0);
                    assertThat(probes).as("client output so far").isNotEmpty();
                    assertThat(probes.stream().map(Probe::dns).toList()).containsAll(names);
                    assertThat(probes.stream().map(Probe::ip).toList()).containsAll(names);
                });

        Set<String> viaNodePort = new HashSet<>();
        await("the host reaches every replica on 127.0.0.1:" + nodePort).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    viaNodePort.add(get("http://127.0.0.1:" + nodePort + "/"));
                    return viaNodePort.containsAll(names);
                });
    }

    @Test
    @Order(2)
    void deletingAndAddingPodsReprogramsTheRulesWithinTwoSeconds() throws Exception {
        List<Long> latencies = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            Pod victim = webPods().get(0);
            String ip = victim.getStatus().getPodIP();
            long start = System.nanoTime();
            client.pods().inNamespace(NS).resource(victim).withGracePeriod(0).delete();
            while (natRules().contains(ip + ":")) {
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("rules still send traffic to %s", ip)
                        .isLessThan(Duration.ofSeconds(10));
                Thread.sleep(10);
            }
            latencies.add((System.nanoTime() - start) / 1_000_000);
            await("a replacement is Running").atMost(Duration.ofSeconds(60)).until(() -> webPods().size() == 3);
            // The replacement: from the change the endpoint-slice controller saw to the rules containing it.
            Set<String> ips = new HashSet<>(webPods().stream().map(p -> p.getStatus().getPodIP()).toList());
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> ips.stream().allMatch(i -> natRules().contains(i + ":")));
            Instant programmed = Instant.now();
            Instant trigger = sliceTriggerTime();
            latencies.add(Duration.between(trigger, programmed).toMillis());
        }
        latencies.sort(Comparator.naturalOrder());
        System.out.printf("network programming latency (ms), %d samples: p50 %d, max %d%n", latencies.size(),
                latencies.get(latencies.size() / 2), latencies.get(latencies.size() - 1));
        assertThat(latencies.get(latencies.size() - 1)).as("slowest reprogramming, ms").isLessThanOrEqualTo(2000);
    }

    @Test
    @Order(3)
    void aDefaultDenyPolicyBlocksTheClientAndAnAllowRuleForItsLabelLetsItBackIn() throws Exception {
        Kubectl.Result deny = kubectl.run(java.util.Map.of(), """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web-deny-all}
                spec:
                  podSelector: {matchLabels: {app: web}}
                  policyTypes: [Ingress]
                """, "apply", "-f", "-");
        assertThat(deny.exitCode()).as(deny.toString()).isZero();
        long denied = Instant.now().getEpochSecond();
        await("the client is blocked").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    List<Probe> after = clientProbes(denied + 3);
                    assertThat(after).hasSizeGreaterThanOrEqualTo(2);
                    assertThat(after).allSatisfy(p -> assertThat(p.ip()).isEqualTo("FAIL"));
                });

        Kubectl.Result allow = kubectl.run(java.util.Map.of(), """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web-allow-client}
                spec:
                  podSelector: {matchLabels: {app: web}}
                  policyTypes: [Ingress]
                  ingress:
                  - from: [{podSelector: {matchLabels: {app: client}}}]
                    ports: [{port: 8080}]
                """, "apply", "-f", "-");
        assertThat(allow.exitCode()).as(allow.toString()).isZero();
        long allowed = Instant.now().getEpochSecond();
        Set<String> names = webPodNames();
        await("the client gets through again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    List<Probe> after = clientProbes(allowed + 3);
                    assertThat(after).hasSizeGreaterThanOrEqualTo(2);
                    assertThat(after).allSatisfy(p -> assertThat(p.ip()).isIn(names));
                });
    }

    /** One line of the client pod's output. */
    private record Probe(long epochSecond, String dns, String ip) {}

    /** The client's probes at or after {@code sinceEpochSecond}, read from its container log on node b. */
    private List<Probe> clientProbes(long sinceEpochSecond) throws IOException {
        Path pods = root.resolve("e2e-net-b").resolve("pods");
        List<Probe> out = new ArrayList<>();
        if (!Files.isDirectory(pods)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(pods)) {
            for (Path f : files.filter(p -> p.toString().contains(NS + "_client_") && p.toString().endsWith(".log"))
                    .toList()) {
                for (String line : Files.readAllLines(f)) {
                    int at = line.indexOf("probe ");
                    if (at < 0) {
                        continue;
                    }
                    String[] fields = line.substring(at).split(" ");
                    if (fields.length < 4) {
                        continue;
                    }
                    long t = Long.parseLong(fields[1]);
                    if (t >= sinceEpochSecond) {
                        out.add(new Probe(t, fields[2].substring("dns=".length()), fields[3].substring("ip=".length())));
                    }
                }
            }
        }
        return out;
    }

    private List<Pod> webPods() {
        return client.pods().inNamespace(NS).withLabel("app", "web").list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
                        && "Running".equals(p.getStatus().getPhase()) && p.getStatus().getPodIP() != null)
                .toList();
    }

    private Set<String> webPodNames() {
        return new HashSet<>(webPods().stream().map(p -> p.getMetadata().getName()).toList());
    }

    private Instant sliceTriggerTime() {
        EndpointSlice slice = client.discovery().v1().endpointSlices().inNamespace(NS)
                .withLabel("kubernetes.io/service-name", "web").list().getItems().get(0);
        String t = slice.getMetadata().getAnnotations().get("endpoints.kubernetes.io/last-change-trigger-time");
        assertThat(t).as("last-change-trigger-time on the web EndpointSlice").isNotNull();
        return Instant.parse(t);
    }

    private static String natRules() {
        return HostCommand.run(List.of("iptables-save", "-t", "nat"), Duration.ofSeconds(10)).orThrow().stdout();
    }

    private String get(String url) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.ofString());
            return r.body().strip();
        } catch (IOException e) {
            return "FAIL";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "FAIL";
        }
    }
}
