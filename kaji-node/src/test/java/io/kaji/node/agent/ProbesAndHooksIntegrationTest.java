package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.node.containerd.AgentFixture;
import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.image.BusyboxImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Probes and lifecycle hooks through the whole agent against a real containerd (bridge kajit5, 100.64.5.0/24) and a
 * real in-process API server: exec probes through CRI ExecSync, HTTP and TCP probes from the host to the pod IP,
 * restarts on liveness failure, Ready following readiness, startup gating liveness, and the kubelet's events.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProbesAndHooksIntegrationTest {

    private static final String NODE = "kaji-it-5";
    private static final String POD_CIDR = "100.64.5.0/24";
    private static final String NS = "default";

    private AgentFixture fixture;
    private ContainerdFixture node;
    private KubernetesClient client;

    @BeforeAll
    void start() throws Exception {
        // Host paths and probes aimed at the host are what the Pod Security baseline level forbids; these tests
        // need them, so their namespace is labeled privileged, as a user would label such a namespace.
        fixture = AgentFixture.node(NODE, "kajit5", POD_CIDR).withPrivilegedNamespace(NS).start();
        node = fixture.node;
        client = fixture.client;
    }

    @AfterAll
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void failingLivenessProbeRestartsTheContainerWithTheKubeletsEvents() {
        // The pod's grace period is long; the probe's own terminationGracePeriodSeconds (1 s) must be the one used.
        Pod pod = new PodBuilder().withNewMetadata().withName("live").withNamespace(NS).endMetadata().withNewSpec()
                .withNodeName(NODE).withTerminationGracePeriodSeconds(60L).addNewContainer().withName("c")
                .withImage(BusyboxImage.NAME).withImagePullPolicy("Never").withCommand("sleep", "3600")
                .withLivenessProbe(new ProbeBuilder().withNewExec().withCommand("cat", "/tmp/healthy").endExec()
                        .withPeriodSeconds(1).withFailureThreshold(2).withTerminationGracePeriodSeconds(1L).build())
                .endContainer().endSpec().build();
        client.pods().inNamespace(NS).resource(pod).create();
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            ContainerStatus cs = containerStatus("live");
            assertThat(cs.getRestartCount()).isGreaterThanOrEqualTo(2);
            assertThat(cs.getLastState().getTerminated()).isNotNull();
            assertThat(cs.getLastState().getTerminated().getExitCode()).isEqualTo(137);
        });
        System.out.printf("timing: liveness pod created -> restartCount 2: %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events("live"))
                .contains("Warning Unhealthy Liveness probe failed: cat: can't open '/tmp/healthy': No such file or "
                        + "directory\n", "Normal Killing Container c failed liveness probe, will be restarted"));
        client.pods().inNamespace(NS).withName("live").withGracePeriod(0).delete();
    }

    @Test
    void readinessTakesThePodOutOfReadyAndBack() {
        Pod pod = new PodBuilder().withNewMetadata().withName("ready").withNamespace(NS).endMetadata().withNewSpec()
                .withNodeName(NODE).withTerminationGracePeriodSeconds(1L).addNewContainer().withName("httpd")
                .withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                .withCommand("httpd", "-f", "-p", "80", "-h", "/www")
                .addNewPort().withName("http").withContainerPort(80).endPort()
                .withReadinessProbe(new ProbeBuilder().withNewHttpGet().withPath("/ready.html")
                        .withPort(new IntOrString("http")).endHttpGet().withPeriodSeconds(1).withFailureThreshold(1)
                        .build())
                .withLivenessProbe(new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString(80)).endTcpSocket()
                        .withPeriodSeconds(1).withFailureThreshold(1).build())
                .endContainer().endSpec().build();
        client.pods().inNamespace(NS).resource(pod).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Pod p = get("ready");
            assertThat(p.getStatus().getPhase()).isEqualTo("Running");
            assertThat(containerStatus("ready").getState().getRunning()).isNotNull();
            assertThat(containerStatus("ready").getStarted()).isTrue();
        });
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(condition(get("ready"), "Ready").getStatus()).isEqualTo("False");
            assertThat(containerStatus("ready").getReady()).isFalse();
        });
        String id = containerStatus("ready").getContainerID().substring("containerd://".length());
        node.runtime.execSync(id, List.of("touch", "/www/ready.html"), Duration.ofSeconds(10));
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            assertThat(condition(get("ready"), "Ready").getStatus()).isEqualTo("True");
            assertThat(condition(get("ready"), "ContainersReady").getStatus()).isEqualTo("True");
            assertThat(containerStatus("ready").getReady()).isTrue();
        });
        System.out.printf("timing: readiness file created -> pod Ready: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        node.runtime.execSync(id, List.of("rm", "/www/ready.html"), Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            PodCondition ready = condition(get("ready"), "Ready");
            assertThat(ready.getStatus()).isEqualTo("False");
            assertThat(ready.getReason()).isEqualTo("ContainersNotReady");
            assertThat(ready.getMessage()).isEqualTo("containers with unready status: [httpd]");
        });
        assertThat(events("ready")).contains("Warning Unhealthy Readiness probe failed: HTTP probe failed with "
                + "statuscode: 404");
        assertThat(containerStatus("ready").getRestartCount()).as("the TCP liveness probe passes all along").isZero();
        assertThat(containerStatus("ready").getContainerID()).isEqualTo("containerd://" + id);
        client.pods().inNamespace(NS).withName("ready").withGracePeriod(0).delete();
    }

    @Test
    void startupProbeHoldsLivenessUntilItPasses() {
        Pod pod = new PodBuilder().withNewMetadata().withName("slow").withNamespace(NS).endMetadata().withNewSpec()
                .withNodeName(NODE).withTerminationGracePeriodSeconds(1L).addNewContainer().withName("c")
                .withImage(BusyboxImage.NAME).withImagePullPolicy("Never").withCommand("sleep", "3600")
                .withStartupProbe(new ProbeBuilder().withNewExec().withCommand("test", "-f", "/tmp/started").endExec()
                        .withPeriodSeconds(1).withFailureThreshold(60).build())
                .withLivenessProbe(new ProbeBuilder().withNewExec().withCommand("false").endExec()
                        .withPeriodSeconds(1).withFailureThreshold(1).build())
                .endContainer().endSpec().build();
        client.pods().inNamespace(NS).resource(pod).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(
                () -> assertThat(containerStatus("slow").getState().getRunning()).isNotNull());
        String id = containerStatus("slow").getContainerID();
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).untilAsserted(() -> {
            ContainerStatus cs = containerStatus("slow");
            assertThat(cs.getContainerID()).as("the failing liveness probe waits").isEqualTo(id);
            assertThat(cs.getStarted()).isFalse();
            assertThat(cs.getReady()).isFalse();
        });
        node.runtime.execSync(id.substring("containerd://".length()), List.of("touch", "/tmp/started"),
                Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            ContainerStatus cs = containerStatus("slow");
            assertThat(cs.getRestartCount()).isGreaterThanOrEqualTo(1);
            assertThat(cs.getContainerID()).isNotEqualTo(id);
        });
        assertThat(events("slow")).contains("Warning Unhealthy Liveness probe failed: ",
                "Normal Killing Container c failed liveness probe, will be restarted");
        client.pods().inNamespace(NS).withName("slow").withGracePeriod(0).delete();
    }

    @Test
    void preStopRunsBeforeSigtermAndPostStartAfterStart() {
        // Both hooks write to the container's stdout (/proc/1/fd/1), so the attempt's log shows the order.
        String script = "trap 'echo term; exit 0' TERM; echo started; while true; do sleep 0.2; done";
        Pod pod = new PodBuilder().withNewMetadata().withName("hooks").withNamespace(NS).endMetadata().withNewSpec()
                .withNodeName(NODE).withTerminationGracePeriodSeconds(10L).addNewContainer().withName("c")
                .withImage(BusyboxImage.NAME).withImagePullPolicy("Never").withCommand("sh", "-c", script)
                .withNewLifecycle()
                .withNewPostStart().withNewExec().withCommand("sh", "-c", "echo poststart > /proc/1/fd/1").endExec()
                .endPostStart()
                .withNewPreStop().withNewExec().withCommand("sh", "-c", "echo prestop > /proc/1/fd/1; sleep 1")
                .endExec().endPreStop()
                .endLifecycle()
                .withLivenessProbe(new ProbeBuilder().withNewExec().withCommand("test", "-f", "/tmp/alive").endExec()
                        .withInitialDelaySeconds(2).withPeriodSeconds(1).withFailureThreshold(1).build())
                .endContainer().endSpec().build();
        client.pods().inNamespace(NS).resource(pod).create();
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            ContainerStatus cs = containerStatus("hooks");
            assertThat(cs.getRestartCount()).isGreaterThanOrEqualTo(1);
            assertThat(cs.getLastState().getTerminated()).isNotNull();
        });
        ContainerStatus cs = containerStatus("hooks");
        var terminated = cs.getLastState().getTerminated();
        assertThat(terminated.getExitCode()).as("the TERM trap ran: SIGTERM came, not SIGKILL").isZero();
        String previous = terminated.getContainerID().substring("containerd://".length());
        Path log = node.runtime.containerStatus(previous).orElseThrow().logPath();
        List<String> lines = io.kaji.node.logs.CriLogReader.read(log, io.kaji.node.logs.CriLogReader.Options.ALL)
                .stream().map(e -> e.text().strip()).toList();
        assertThat(lines).containsSubsequence("started", "poststart", "prestop", "term");
        client.pods().inNamespace(NS).withName("hooks").withGracePeriod(0).delete();
    }

    @Test
    void failingPostStartHookKillsTheContainerWithAnEvent() {
        Pod pod = new PodBuilder().withNewMetadata().withName("badhook").withNamespace(NS).endMetadata().withNewSpec()
                .withNodeName(NODE).withTerminationGracePeriodSeconds(1L).addNewContainer().withName("c")
                .withImage(BusyboxImage.NAME).withImagePullPolicy("Never").withCommand("sleep", "3600")
                .withNewLifecycle().withNewPostStart().withNewExec().withCommand("sh", "-c", "echo no; exit 3")
                .endExec().endPostStart().endLifecycle()
                .endContainer().endSpec().build();
        client.pods().inNamespace(NS).resource(pod).create();
        String uid = get("badhook").getMetadata().getUid();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(containerStatus("badhook").getRestartCount()).isGreaterThanOrEqualTo(1);
            assertThat(events("badhook")).contains("Warning FailedPostStartHook Exec lifecycle hook ([sh -c echo no; "
                    + "exit 3]) for Container \"c\" in Pod \"badhook_default(" + uid + ")\" failed - error: command "
                    + "'sh -c echo no; exit 3' exited with 3: , message: \"no\\n\"");
        });
        client.pods().inNamespace(NS).withName("badhook").withGracePeriod(0).delete();
    }

    @Test
    void preStopHttpHookRunsWhenThePodIsDeleted() throws Exception {
        var seen = new java.util.concurrent.CopyOnWriteArrayList<String>();
        var hookServer = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        hookServer.createContext("/", ex -> {
            seen.add(ex.getRequestURI().getPath() + " " + ex.getRequestHeaders().getFirst("User-Agent"));
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        hookServer.start();
        try {
            Pod pod = new PodBuilder().withNewMetadata().withName("bye").withNamespace(NS).endMetadata().withNewSpec()
                    .withNodeName(NODE).withTerminationGracePeriodSeconds(3L).addNewContainer().withName("c")
                    .withImage(BusyboxImage.NAME).withImagePullPolicy("Never").withCommand("sleep", "3600")
                    .withNewLifecycle().withNewPreStop().withNewHttpGet().withHost("127.0.0.1")
                    .withPort(new IntOrString(hookServer.getAddress().getPort())).withPath("/goodbye").endHttpGet()
                    .endPreStop().endLifecycle()
                    .endContainer().endSpec().build();
            client.pods().inNamespace(NS).resource(pod).create();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(
                    () -> assertThat(containerStatus("bye").getState().getRunning()).isNotNull());
            assertThat(seen).isEmpty();
            client.pods().inNamespace(NS).withName("bye").delete();
            await().atMost(Duration.ofSeconds(20)).until(() -> get("bye") == null);
            assertThat(seen).as("the hook ran once; its 500 is not a failure").containsExactly(
                    "/goodbye kube-lifecycle/1.32");
            assertThat(events("bye")).noneMatch(e -> e.contains("FailedPreStopHook"));
        } finally {
            hookServer.stop(0);
        }
    }

    @Test
    void aSidecarStartsFirstGatesTheInitContainersAfterItAndRestartsBesideTheApp() {
        // The sidecar's startup probe passes once it has written /tmp/up (after 2 s): the init container after it
        // must wait until then, the app until that one has finished.
        Pod pod = new PodBuilder().withNewMetadata().withName("mesh").withNamespace(NS).endMetadata().withNewSpec()
                .withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .addNewInitContainer().withName("proxy").withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                .withRestartPolicy("Always").withCommand("sh", "-c", "sleep 2; touch /tmp/up; exec sleep 3600")
                .withStartupProbe(new ProbeBuilder().withNewExec().withCommand("test", "-f", "/tmp/up").endExec()
                        .withPeriodSeconds(1).withFailureThreshold(30).build())
                .withReadinessProbe(new ProbeBuilder().withNewExec().withCommand("true").endExec()
                        .withPeriodSeconds(1).build())
                .endInitContainer()
                .addNewInitContainer().withName("setup").withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                .withCommand("true").endInitContainer()
                .addNewContainer().withName("app").withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                .withCommand("sleep", "3600").endContainer().endSpec().build();
        client.pods().inNamespace(NS).resource(pod).create();
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            Pod p = get("mesh");
            assertThat(p.getStatus().getPhase()).isEqualTo("Running");
            assertThat(condition(p, "Ready").getStatus()).isEqualTo("True");
        });
        Pod p = get("mesh");
        ContainerStatus proxy = p.getStatus().getInitContainerStatuses().get(0);
        ContainerStatus setup = p.getStatus().getInitContainerStatuses().get(1);
        assertThat(proxy.getName()).isEqualTo("proxy");
        assertThat(proxy.getState().getRunning()).isNotNull();
        assertThat(proxy.getStarted()).isTrue();
        assertThat(proxy.getReady()).isTrue();
        assertThat(setup.getState().getTerminated().getExitCode()).isZero();
        // Seconds resolution: the init container after the sidecar started at least 2 s after it.
        assertThat(java.time.Instant.parse(setup.getState().getTerminated().getStartedAt())).isAfterOrEqualTo(
                java.time.Instant.parse(proxy.getState().getRunning().getStartedAt()).plusSeconds(2));
        String appId = p.getStatus().getContainerStatuses().get(0).getContainerID();

        // A sidecar that dies is started again while the app goes on running, whatever the pod's restartPolicy.
        node.runtime.stopContainer(proxy.getContainerID().substring("containerd://".length()), Duration.ZERO);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            ContainerStatus again = get("mesh").getStatus().getInitContainerStatuses().get(0);
            assertThat(again.getRestartCount()).isEqualTo(1);
            assertThat(again.getState().getRunning()).isNotNull();
        });
        assertThat(get("mesh").getStatus().getContainerStatuses().get(0).getContainerID()).isEqualTo(appId);
        client.pods().inNamespace(NS).withName("mesh").withGracePeriod(0).delete();
    }

    @Test
    void aJobsPodSucceedsWhenItsAppExitsAndItsSidecarIsStopped() {
        Pod pod = new PodBuilder().withNewMetadata().withName("batch").withNamespace(NS).endMetadata().withNewSpec()
                .withNodeName(NODE).withRestartPolicy("Never").withTerminationGracePeriodSeconds(1L)
                .addNewInitContainer().withName("logger").withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                .withRestartPolicy("Always").withCommand("sleep", "3600").endInitContainer()
                .addNewContainer().withName("work").withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                .withCommand("sh", "-c", "sleep 1; echo done").endContainer().endSpec().build();
        client.pods().inNamespace(NS).resource(pod).create();
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            Pod p = get("batch");
            assertThat(p.getStatus().getPhase()).isEqualTo("Succeeded");
            assertThat(p.getStatus().getInitContainerStatuses().get(0).getState().getTerminated()).isNotNull();
            assertThat(p.getStatus().getInitContainerStatuses().get(0).getRestartCount()).isZero();
        });
        client.pods().inNamespace(NS).withName("batch").withGracePeriod(0).delete();
    }

    @Test
    void deletionStopsTheAppBeforeItsSidecar() throws Exception {
        // Each container notes its SIGTERM in a host directory: the app's line must come first.
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("kaji-sidecar-order");
        try {
            String loop = "; while true; do sleep 1; done";
            Pod pod = new PodBuilder().withNewMetadata().withName("order").withNamespace(NS).endMetadata()
                    .withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(10L)
                    .addNewVolume().withName("out").withNewHostPath().withPath(dir.toString()).endHostPath()
                    .endVolume()
                    .addNewInitContainer().withName("proxy").withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                    .withRestartPolicy("Always").withCommand("sh", "-c",
                            "trap 'echo proxy >> /out/order; exit 0' TERM" + loop)
                    .addNewVolumeMount().withName("out").withMountPath("/out").endVolumeMount().endInitContainer()
                    .addNewContainer().withName("app").withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                    .withCommand("sh", "-c", "trap 'sleep 1; echo app >> /out/order; exit 0' TERM" + loop)
                    .addNewVolumeMount().withName("out").withMountPath("/out").endVolumeMount().endContainer()
                    .endSpec().build();
            client.pods().inNamespace(NS).resource(pod).create();
            await().atMost(Duration.ofSeconds(40)).untilAsserted(
                    () -> assertThat(get("order").getStatus().getPhase()).isEqualTo("Running"));
            client.pods().inNamespace(NS).withName("order").delete();
            await().atMost(Duration.ofSeconds(40)).until(() -> get("order") == null);
            assertThat(java.nio.file.Files.readAllLines(dir.resolve("order"))).containsExactly("app", "proxy");
        } finally {
            try (var files = java.nio.file.Files.list(dir)) {
                files.forEach(f -> f.toFile().delete());
            }
            java.nio.file.Files.deleteIfExists(dir);
        }
    }

    private List<String> events(String pod) {
        return fixture.events(NS, pod);
    }

    private Pod get(String name) {
        return fixture.pod(NS, name);
    }

    private ContainerStatus containerStatus(String pod) {
        return fixture.containerStatus(NS, pod);
    }

    private static PodCondition condition(Pod p, String type) {
        return p.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }
}
