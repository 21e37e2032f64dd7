package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.cli.localcluster.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Probes end to end: real server and agent processes, real containerd, the real kubectl. A failing liveness
 * probe restarts the container and {@code kubectl describe} shows the kubelet's events; a pod whose readiness probe
 * fails is not Ready and its Service's EndpointSlice does not count it as a ready endpoint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIf("supported")
class ProbesE2ETest {

    private static final List<String> NODES = List.of("e2e-probe-a", "e2e-probe-b");

    private LocalCluster cluster;
    private KubernetesClient client;
    private Kubectl kubectl;

    static boolean supported() {
        return LocalCluster.supported();
    }

    @BeforeAll
    void start() throws Exception {
        Path root = Path.of("target", "e2e-probes").toAbsolutePath();
        cluster = LocalCluster.start(new LocalCluster.Spec(root, "100.64.88.0/22", "100.64.92.0/24", NODES,
                List.of("kajipr1", "kajipr2"), List.of()));
        client = cluster.client();
        kubectl = new Kubectl(Kubectl.DEFAULT_BINARY, cluster.kubeconfig(),
                Files.createDirectories(root.resolve("home")));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void apply(String yaml) {
        Kubectl.Result r = kubectl.run(Map.of(), yaml, "apply", "-f", "-");
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    @Test
    void failingLivenessProbeRestartsTheContainerAndDescribeShowsWhy() {
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: unhealthy}
                spec:
                  nodeName: %s
                  containers:
                  - name: main
                    image: docker.io/kaji/busybox:1.35
                    command: ["sleep", "100041"]
                    livenessProbe:
                      exec: {command: ["cat", "/tmp/healthy"]}
                      periodSeconds: 1
                      failureThreshold: 2
                      terminationGracePeriodSeconds: 1
                """.formatted(NODES.get(0)));
        long t0 = System.nanoTime();
        await("restartCount >= 2").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Kubectl.Result r = kubectl.run("get", "pod", "unhealthy", "-o",
                    "jsonpath={.status.containerStatuses[0].restartCount}");
            return r.exitCode() == 0 && !r.stdout().isBlank() && Integer.parseInt(r.stdout().trim()) >= 2;
        });
        System.out.printf("probes e2e: pod applied -> restartCount 2 in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        await("describe shows the probe events").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    Kubectl.Result d = kubectl.run("describe", "pod", "unhealthy");
                    assertThat(d.exitCode()).as(d.toString()).isZero();
                    assertThat(d.stdout()).contains("Unhealthy")
                            .contains("Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory")
                            .contains("Container main failed liveness probe, will be restarted")
                            // The probe as the API server defaulted it (timeout 1 s, one success).
                            .containsPattern("Liveness:\\s+exec \\[cat /tmp/healthy\\] delay=0s timeout=1s"
                                    + " period=1s #success=1 #failure=2");
                });
        Kubectl.Result events = kubectl.run("get", "events", "--field-selector", "involvedObject.name=unhealthy");
        assertThat(events.stdout()).contains("Warning", "Unhealthy", "Normal", "Killing");
        kubectl.run("delete", "pod", "unhealthy", "--grace-period=0", "--force");
    }

    @Test
    void podFailingReadinessIsNotAReadyEndpointOfItsService() {
        String pods = """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, labels: {app: probed}}
                spec:
                  nodeName: %s
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: web
                    image: docker.io/kaji/busybox:1.35
                    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
                    ports: [{name: http, containerPort: 8080}]
                    readinessProbe:
                      httpGet: {path: %s, port: http}
                      periodSeconds: 1
                      failureThreshold: 1
                ---
                """;
        apply(pods.formatted("ready-web", NODES.get(0), "/index.html")
                + pods.formatted("unready-web", NODES.get(1), "/missing.html") + """
                apiVersion: v1
                kind: Service
                metadata: {name: probed}
                spec:
                  selector: {app: probed}
                  ports: [{port: 80, targetPort: http}]
                """);
        await("both pods running, one ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    Kubectl.Result r = kubectl.run("get", "pods", "-l", "app=probed", "--no-headers");
                    assertThat(r.stdout()).containsPattern("ready-web\\s+1/1\\s+Running")
                            .containsPattern("unready-web\\s+0/1\\s+Running");
                });
        String readyIp = ip("ready-web");
        String unreadyIp = ip("unready-web");
        await("the EndpointSlice").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    List<EndpointSlice> slices = client.discovery().v1().endpointSlices().inNamespace("default")
                            .withLabel("kubernetes.io/service-name", "probed").list().getItems();
                    List<Endpoint> endpoints = slices.stream().flatMap(s -> s.getEndpoints().stream()).toList();
                    List<String> ready = endpoints.stream()
                            .filter(e -> Boolean.TRUE.equals(e.getConditions().getReady()))
                            .flatMap(e -> e.getAddresses().stream()).toList();
                    assertThat(ready).containsExactly(readyIp).doesNotContain(unreadyIp);
                });
        // The unready pod is listed as Kubernetes lists it: with ready=false, so kube-proxy and DNS skip it.
        Kubectl.Result slice = kubectl.run("get", "endpointslices", "-l", "kubernetes.io/service-name=probed", "-o",
                "jsonpath={range .items[*].endpoints[*]}{.addresses[0]}={.conditions.ready}{\"\\n\"}{end}");
        assertThat(slice.stdout()).contains(readyIp + "=true").doesNotContain(unreadyIp + "=true");
        Kubectl.Result d = kubectl.run("describe", "pod", "unready-web");
        assertThat(d.stdout()).contains("Readiness probe failed: HTTP probe failed with statuscode: 404");
        kubectl.run("delete", "service", "probed");
        kubectl.run("delete", "pod", "ready-web", "unready-web", "--grace-period=0", "--force");
    }

    @Test
    void aDeploymentWithASidecarShowsItsContainersReadyAndItsSidecarsLogs() {
        // A native sidecar (an init container with restartPolicy Always) gated by its startup probe: kubectl counts
        // it among the pod's containers, and its logs are the init container's.
        apply("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: meshed}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: meshed}}
                  template:
                    metadata: {labels: {app: meshed}}
                    spec:
                      terminationGracePeriodSeconds: 1
                      initContainers:
                      - name: proxy
                        image: docker.io/kaji/busybox:1.35
                        restartPolicy: Always
                        command: ["sh", "-c", "echo proxy up; touch /tmp/up; exec sleep 100042"]
                        startupProbe:
                          exec: {command: ["test", "-f", "/tmp/up"]}
                          periodSeconds: 1
                      containers:
                      - name: app
                        image: docker.io/kaji/busybox:1.35
                        command: ["sleep", "100043"]
                """);
        await("the pod 2/2 Running").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    Kubectl.Result r = kubectl.run("get", "pods", "-l", "app=meshed", "--no-headers");
                    assertThat(r.stdout()).containsPattern("meshed-\\S+\\s+2/2\\s+Running\\s+0");
                });
        Kubectl.Result logs = kubectl.run("logs", "deployment/meshed", "-c", "proxy");
        assertThat(logs.exitCode()).as(logs.toString()).isZero();
        assertThat(logs.stdout()).isEqualTo("proxy up\n");
        Kubectl.Result started = kubectl.run("get", "pods", "-l", "app=meshed", "-o",
                "jsonpath={.items[0].status.initContainerStatuses[0].started}/"
                        + "{.items[0].status.conditions[?(@.type==\"Ready\")].status}");
        assertThat(started.stdout()).isEqualTo("true/True");
        kubectl.run("delete", "deployment", "meshed");
    }

    private String ip(String pod) {
        Pod p = client.pods().inNamespace("default").withName(pod).get();
        return p.getStatus().getPodIP();
    }
}
