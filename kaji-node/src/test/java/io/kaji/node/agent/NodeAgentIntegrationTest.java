package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.node.containerd.AgentFixture;
import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxInfo;
import io.kaji.node.runtime.SandboxSpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The node agent against a real containerd (bridge kajit9, 100.64.9.0/24) and a real in-process API server over
 * SQLite; no scheduler or controllers: the test assigns the podCIDR and binds pods by spec.nodeName itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeAgentIntegrationTest {

    private static final String NODE = "kaji-it-9";
    private static final String POD_CIDR = "100.64.9.0/24";
    private static final String NS = "default";

    private AgentFixture fixture;
    private ContainerdFixture node;
    private KubernetesClient client;
    private NodeAgent agent;
    private AgentConfig config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    void start() throws Exception {
        // The fixture stands in for the node IPAM controller: it assigns the podCIDR.
        fixture = AgentFixture.node(NODE, "kajit9", POD_CIDR).start();
        node = fixture.node;
        client = fixture.client;
        agent = fixture.agent();
        config = fixture.config();
    }

    @AfterAll
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    @Order(1)
    void registersReadyNodeAndRenewsLease() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Node n = client.nodes().withName(NODE).get();
            assertThat(condition(n, "Ready").getStatus()).isEqualTo("True");
            assertThat(condition(n, "MemoryPressure").getStatus()).isEqualTo("False");
            assertThat(n.getStatus().getNodeInfo().getContainerRuntimeVersion()).startsWith("containerd://1.");
            assertThat(n.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo("v1.34.0-kaji-test");
            assertThat(n.getStatus().getCapacity().get("pods").getAmount()).isEqualTo("110");
            assertThat(n.getStatus().getCapacity().get("cpu").getAmount())
                    .isEqualTo(String.valueOf(Runtime.getRuntime().availableProcessors()));
            assertThat(n.getStatus().getAddresses()).extracting(a -> a.getType())
                    .contains("InternalIP", "Hostname");
        });
        ZonedDateTime first = lease().getSpec().getRenewTime();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> lease().getSpec().getRenewTime().isAfter(first));
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo(NODE);
    }

    @Test
    @Order(2)
    void podRunsServesHttpAndGetsItsEnvironment() throws Exception {
        long t0 = System.nanoTime();
        client.pods().inNamespace(NS).resource(httpdPod("web")).create();
        Pod running = awaitReady("web", Duration.ofSeconds(30));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("timing: pod create -> Running/Ready observed: %d ms%n", ms);

        assertThat(running.getStatus().getPhase()).isEqualTo("Running");
        String ip = running.getStatus().getPodIP();
        assertThat(ip).startsWith("100.64.9.");
        assertThat(running.getStatus().getPodIPs()).hasSize(1);
        assertThat(running.getStatus().getHostIP()).isNotEmpty();
        assertThat(running.getStatus().getStartTime()).isNotNull();
        assertThat(running.getStatus().getQosClass()).isEqualTo("BestEffort");
        assertThat(running.getStatus().getConditions()).extracting(PodCondition::getType)
                .contains("PodScheduled", "Initialized", "ContainersReady", "Ready", "PodReadyToStartContainers");
        ContainerStatus cs = running.getStatus().getContainerStatuses().get(0);
        assertThat(cs.getState().getRunning()).isNotNull();
        assertThat(cs.getContainerID()).startsWith("containerd://");
        assertThat(cs.getImageID()).isNotEmpty();
        assertThat(cs.getRestartCount()).isZero();
        assertThat(cs.getReady()).isTrue();

        // Running means the process was started, not that httpd listens yet (the pod has no readiness probe).
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + "/index.html"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).isEqualTo(BusyboxImage.INDEX_HTML);
        });

        String id = cs.getContainerID().substring("containerd://".length());
        String env = node.runtime.execSync(id, List.of("sh", "-c", "echo $MY_POD/$MY_NODE/$MY_IP/$GREETING; hostname"),
                Duration.ofSeconds(10)).stdoutText();
        assertThat(env).isEqualTo("web/" + NODE + "/" + ip + "/hello web\nweb\n");
    }

    @Test
    @Order(3)
    void crashingContainerRestartsWithBackOff() {
        Pod pod = new PodBuilder().withNewMetadata().withName("crash").withNamespace(NS).endMetadata()
                .withNewSpec().withNodeName(NODE).withRestartPolicy("Always").addNewContainer().withName("c")
                .withImage(BusyboxImage.NAME).withImagePullPolicy("Never").withCommand("sh", "-c", "exit 1")
                .endContainer().endSpec().build();
        client.pods().inNamespace(NS).resource(pod).create();
        Set<String> reasons = ConcurrentHashMap.newKeySet();
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            ContainerStatus cs = containerStatus("crash");
            if (cs.getState().getWaiting() != null) {
                reasons.add(cs.getState().getWaiting().getReason());
            }
            assertThat(cs.getRestartCount()).isGreaterThanOrEqualTo(2);
            assertThat(reasons).contains("CrashLoopBackOff");
            assertThat(cs.getLastState().getTerminated()).isNotNull();
            assertThat(cs.getLastState().getTerminated().getExitCode()).isEqualTo(1);
            assertThat(cs.getLastState().getTerminated().getReason()).isEqualTo("Error");
        });
        // Without probes Ready follows "running", so it flickers True during each short run: check it was False.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            Pod p = client.pods().inNamespace(NS).withName("crash").get();
            assertThat(p.getStatus().getPhase()).isEqualTo("Running");
            assertThat(condition(p, "Ready").getStatus()).isEqualTo("False");
        });
    }

    @Test
    @Order(4)
    void completedAndMissingImageContainersReportTheirReasons() {
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("once").withNamespace(NS)
                .endMetadata().withNewSpec().withNodeName(NODE).withRestartPolicy("Never").addNewContainer()
                .withName("c").withImage(BusyboxImage.NAME).withImagePullPolicy("IfNotPresent")
                .withCommand("true").endContainer().endSpec().build()).create();
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("noimage")
                .withNamespace(NS).endMetadata().withNewSpec().withNodeName(NODE).addNewContainer().withName("c")
                .withImage("docker.io/kaji/absent:1").withImagePullPolicy("Never").endContainer().endSpec()
                .build()).create();
        // Termination messages: what a container (here not root) wrote to /dev/termination-log, and with
        // FallbackToLogsOnError the end of the log of a container that failed without writing one.
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("said").withNamespace(NS)
                .endMetadata().withNewSpec().withNodeName(NODE).withRestartPolicy("Never").withNewSecurityContext()
                .withRunAsUser(1000L).endSecurityContext().addNewContainer().withName("c").withImage(BusyboxImage.NAME)
                .withImagePullPolicy("IfNotPresent").withCommand("sh", "-c",
                        "echo ignored; printf 'disk full' > /dev/termination-log; exit 3").endContainer().endSpec()
                .build()).create();
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("fallback")
                .withNamespace(NS).endMetadata().withNewSpec().withNodeName(NODE).withRestartPolicy("Never")
                .addNewContainer().withName("c").withImage(BusyboxImage.NAME).withImagePullPolicy("IfNotPresent")
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                // One stream: containerd copies stdout and stderr into the log separately, in no fixed order.
                .withCommand("sh", "-c", "echo line1; echo oops; exit 2").endContainer().endSpec().build())
                .create();
        // activeDeadlineSeconds: the node fails the pod once it has been active that long, killing its container.
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("deadline")
                .withNamespace(NS).endMetadata().withNewSpec().withNodeName(NODE).withActiveDeadlineSeconds(3L)
                .withTerminationGracePeriodSeconds(1L).addNewContainer().withName("c").withImage(BusyboxImage.NAME)
                .withImagePullPolicy("IfNotPresent").withCommand("sleep", "3600").endContainer().endSpec().build())
                .create();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            var said = containerStatus("said").getState().getTerminated();
            assertThat(said).as("said terminated").isNotNull();
            assertThat(said.getExitCode()).isEqualTo(3);
            assertThat(said.getReason()).isEqualTo("Error");
            assertThat(said.getMessage()).isEqualTo("disk full");
            var fallback = containerStatus("fallback").getState().getTerminated();
            assertThat(fallback).as("fallback terminated").isNotNull();
            assertThat(fallback.getMessage()).isEqualTo("line1\noops\n");
        });
        // Container events name their container, as the kubelet's do (involvedObject.fieldPath).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.v1().events().inNamespace(NS)
                .list().getItems()).anySatisfy(e -> {
                    assertThat(e.getInvolvedObject().getName()).isEqualTo("said");
                    assertThat(e.getReason()).isEqualTo("Started");
                    assertThat(e.getInvolvedObject().getFieldPath()).isEqualTo("spec.containers{c}");
                }));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Pod deadline = client.pods().inNamespace(NS).withName("deadline").get();
            assertThat(deadline.getStatus().getPhase()).isEqualTo("Failed");
            assertThat(deadline.getStatus().getReason()).isEqualTo("DeadlineExceeded");
            assertThat(deadline.getStatus().getMessage())
                    .isEqualTo("Pod was active on the node longer than the specified deadline");
            assertThat(deadline.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode())
                    .isEqualTo(137);
            assertThat(java.time.Duration.between(java.time.Instant.parse(deadline.getStatus().getStartTime()),
                    java.time.Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        });
        assertThat(node.runtime.listContainers(KajiLabels.forPod(new PodRef(NS, "deadline",
                client.pods().inNamespace(NS).withName("deadline").get().getMetadata().getUid()))))
                .as("nothing runs").noneMatch(c -> c.state() == ContainerState.RUNNING);
        assertThat(fixture.events(NS, "deadline"))
                .contains("Normal DeadlineExceeded Pod was active on the node longer than the specified deadline");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Pod once = client.pods().inNamespace(NS).withName("once").get();
            assertThat(once.getStatus().getPhase()).isEqualTo("Succeeded");
            assertThat(once.getStatus().getContainerStatuses().get(0).getState().getTerminated().getReason())
                    .isEqualTo("Completed");
            ContainerStatus cs = containerStatus("noimage");
            assertThat(cs.getState().getWaiting().getReason()).isEqualTo("ErrImageNeverPull");
            assertThat(client.pods().inNamespace(NS).withName("noimage").get().getStatus().getPhase())
                    .isEqualTo("Pending");
        });
        // As the kubelet: a finished pod's sandbox is stopped (its IP and pause process freed), its exited
        // container stays for its logs, and nothing runs again however often the pod is synced.
        Pod once = client.pods().inNamespace(NS).withName("once").get();
        PodRef ref = new PodRef(NS, "once", once.getMetadata().getUid());
        String ip = once.getStatus().getPodIP();
        assertThat(ip).isNotBlank();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(node.runtime.listSandboxes(
                KajiLabels.forPod(ref))).singleElement().extracting(SandboxInfo::ready).isEqualTo(false));
        assertThat(ipamHolds(ip)).as("host-local IPAM still holds " + ip).isFalse();
        client.pods().inNamespace(NS).withName("once").edit(p -> {
            p.getMetadata().setLabels(java.util.Map.of("touched", "yes")); // a spec-side update: a new pass
            return p;
        });
        try {
            Thread.sleep(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertThat(node.runtime.listSandboxes(KajiLabels.forPod(ref))).singleElement()
                .extracting(SandboxInfo::ready).isEqualTo(false);
        assertThat(node.runtime.listContainers(KajiLabels.forPod(ref))).singleElement()
                .extracting(ContainerInfo::state).isEqualTo(ContainerState.EXITED);
        Pod after = client.pods().inNamespace(NS).withName("once").get();
        assertThat(after.getStatus().getPhase()).isEqualTo("Succeeded");
        assertThat(after.getStatus().getContainerStatuses().get(0).getRestartCount()).isZero();
    }

    /** Whether the node's host-local IPAM has {@code ip} allocated (a file named after it). */
    private boolean ipamHolds(String ip) {
        try (java.util.stream.Stream<Path> files = Files.walk(config.ipamDir())) {
            return files.anyMatch(f -> f.getFileName().toString().equals(ip));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @Order(5)
    void sandboxSettingsAndDownwardApiResourcesReachTheContainers() throws Exception {
        // Also the downward API's resourceFieldRef: as an env var (the limit the container does not set comes
        // from the node's allocatable) and as a downwardAPI volume file. Host namespaces need the privileged Pod
        // Security level (baseline forbids them; it also takes sysctl names only as written, dotted).
        client.namespaces().withName(NS).edit(n -> {
            n.getMetadata().getLabels().put("pod-security.kubernetes.io/enforce", "privileged");
            return n;
        });
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("sysctls")
                .withNamespace(NS).endMetadata().withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .withNewSecurityContext().addNewSysctl("net.ipv4.ip_unprivileged_port_start", "81")
                .addNewSysctl("kernel/shm_rmid_forced", "1").endSecurityContext()
                .withSubdomain("db").withSetHostnameAsFQDN(true).addNewHostAlias().withIp("100.64.9.250").withHostnames("foo.local", "bar.local")
                .endHostAlias().withShareProcessNamespace(true)
                .addNewContainer().withName("c").withImage(BusyboxImage.NAME).withImagePullPolicy("IfNotPresent")
                .withCommand("sleep", "3600")
                .withNewResources().addToRequests("cpu", new Quantity("250m"))
                .addToLimits("memory", new Quantity("64Mi")).endResources()
                .addNewEnv().withName("MEM_MI").withNewValueFrom().withNewResourceFieldRef()
                .withResource("limits.memory").withDivisor(new Quantity("1Mi")).endResourceFieldRef().endValueFrom()
                .endEnv()
                .addNewEnv().withName("CPU_LIMIT").withNewValueFrom().withNewResourceFieldRef()
                .withResource("limits.cpu").endResourceFieldRef().endValueFrom().endEnv()
                .addNewVolumeMount().withName("info").withMountPath("/info").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("info").withNewDownwardAPI().addNewItem().withPath("cpu_millis")
                .withNewResourceFieldRef().withContainerName("c").withResource("requests.cpu")
                .withDivisor(new Quantity("1m")).endResourceFieldRef().endItem().endDownwardAPI().endVolume()
                .addNewContainer().withName("side").withImage(BusyboxImage.NAME).withImagePullPolicy("IfNotPresent")
                .withCommand("sleep", "3601").endContainer()
                .endSpec().build()).create();
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("hostns")
                .withNamespace(NS).endMetadata().withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .withHostNetwork(true).withHostPID(true).withHostIPC(true)
                .addNewContainer().withName("c").withImage(BusyboxImage.NAME).withImagePullPolicy("IfNotPresent")
                .withCommand("sleep", "3600").endContainer().endSpec().build()).create();
        awaitReady("sysctls", Duration.ofSeconds(30));
        Pod hostns = awaitReady("hostns", Duration.ofSeconds(30));

        String inPod = exec("sysctls",
                "cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shm_rmid_forced");
        assertThat(inPod).isEqualTo("81\n1\n");

        // The kubelet's /etc/hosts: the pod's IP under its name (its subdomain's FQDN first) and its hostAliases,
        // so that the pod resolves its own name without the cluster DNS.
        String podIp = client.pods().inNamespace(NS).withName("sysctls").get().getStatus().getPodIP();
        assertThat(exec("sysctls", "cat /etc/hosts"))
                .startsWith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n")
                .endsWith("\n" + podIp + "\tsysctls.db.default.svc.cluster.local\tsysctls\n\n"
                        + "# Entries added by HostAliases.\n100.64.9.250\tfoo.local\tbar.local\n");
        assertThat(exec("sysctls", "hostname -i")).isEqualTo(podIp + "\n");
        assertThat(exec("sysctls", "hostname")).as("setHostnameAsFQDN")
                .isEqualTo("sysctls.db.default.svc.cluster.local\n");
        assertThat(exec("hostns", "head -n 1 /etc/hosts"))
                .isEqualTo("# Kubernetes-managed hosts file (host network).\n");
        // shareProcessNamespace: the other container's process is visible and the sandbox's pause is PID 1 (in a
        // PID namespace of its own a container's first process is).
        assertThat(exec("sysctls", "ps -o pid,args | grep -v grep | grep -c 'sleep 3601'")).isEqualTo("1\n");
        assertThat(exec("sysctls", "cat /proc/1/cmdline | tr '\\0' ' '")).startsWith("/pause");
        assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).trim())
                .as("the host's own value").isNotEqualTo("81");

        // Host namespaces: the container's network, PID and IPC namespaces are this test's own (the host's).
        StringBuilder hostNs = new StringBuilder();
        for (String ns : List.of("net", "pid", "ipc")) {
            hostNs.append(Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns))).append('\n');
        }
        assertThat(exec("hostns", "for n in net pid ipc; do readlink /proc/self/ns/$n; done"))
                .isEqualTo(hostNs.toString());
        assertThat(exec("sysctls", "readlink /proc/self/ns/net")).as("a pod network of its own")
                .isNotEqualTo(hostNs.toString().lines().findFirst().orElseThrow() + "\n");
        assertThat(hostns.getStatus().getPodIP()).isEqualTo(hostns.getStatus().getHostIP());

        // Whole cores, rounded up (the divisor defaults to 1).
        String allocatableCpu = Quantity.getAmountInBytes(client.nodes().withName(NODE).get().getStatus()
                .getAllocatable().get("cpu")).setScale(0, java.math.RoundingMode.CEILING).toPlainString();
        assertThat(exec("sysctls", "echo $MEM_MI/$CPU_LIMIT/$(cat /info/cpu_millis)"))
                .isEqualTo("64/" + allocatableCpu + "/250\n");
    }

    @Test
    @Order(5)
    void aNewImageRestartsTheContainerWhateverThePolicy() throws Exception {
        String retagged = "docker.io/kaji/busybox:retagged";
        node.importImage(BusyboxImage.image(BusyboxImage.NAME, BusyboxImage.HOST_BUSYBOX).as(retagged, ""));
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("retag")
                .withNamespace(NS).endMetadata().withNewSpec().withNodeName(NODE).withRestartPolicy("Never")
                .withTerminationGracePeriodSeconds(1L).addNewContainer().withName("c").withImage(BusyboxImage.NAME)
                .withImagePullPolicy("IfNotPresent").withCommand("sleep", "3600").endContainer().endSpec().build())
                .create();
        awaitReady("retag", Duration.ofSeconds(30));
        // kubectl set image: an update that changes only the image, which the API allows.
        client.pods().inNamespace(NS).withName("retag").edit(p -> {
            p.getSpec().getContainers().get(0).setImage(retagged);
            return p;
        });
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            ContainerStatus cs = containerStatus("retag");
            assertThat(cs.getImage()).isEqualTo(retagged);
            assertThat(cs.getState().getRunning()).as("running again, policy Never notwithstanding").isNotNull();
            assertThat(cs.getRestartCount()).isEqualTo(1);
        });
        assertThat(fixture.events(NS, "retag")).contains("Normal Killing Container c definition changed, will be"
                + " restarted");
        client.pods().inNamespace(NS).withName("retag").withGracePeriod(0).delete();
    }

    @Test
    @Order(6)
    void aReCreatedSandboxsContainersGoOnCountingAndWriteNewLogs() throws Exception {
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("resandbox")
                .withNamespace(NS).endMetadata().withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .addNewContainer().withName("c").withImage(BusyboxImage.NAME).withImagePullPolicy("IfNotPresent")
                .withCommand("sh", "-c", "echo started; exec sleep 3600").endContainer().endSpec().build()).create();
        Pod first = awaitReady("resandbox", Duration.ofSeconds(30));
        PodRef ref = new PodRef(NS, "resandbox", first.getMetadata().getUid());
        String sandbox = node.runtime.listSandboxes(KajiLabels.forPod(ref)).get(0).id();
        // The pod's sandbox dies under it (as if its pause process were killed): the agent makes a new one.
        node.runtime.stopSandbox(sandbox);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            ContainerStatus cs = containerStatus("resandbox");
            assertThat(cs.getRestartCount()).isEqualTo(1);
            assertThat(cs.getReady()).isTrue();
        });
        assertThat(node.runtime.listSandboxes(KajiLabels.forPod(ref))).extracting(SandboxInfo::id)
                .doesNotContain(sandbox);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(config.podLogs().file(ref, "c", 1))
                && Files.readString(config.podLogs().file(ref, "c", 1)).contains("started"));
        assertThat(Files.readString(config.podLogs().file(ref, "c", 0)).lines()).as("the first sandbox's log")
                .hasSize(1);
    }

    /** Runs {@code script} with sh in the pod's first container; its standard output. */
    private String exec(String pod, String script) {
        String id = containerStatus(pod).getContainerID().substring("containerd://".length());
        return node.runtime.execSync(id, List.of("sh", "-c", script), Duration.ofSeconds(10)).stdoutText();
    }

    @Test
    @Order(7)
    void restartedAgentAdoptsRunningContainersAndRemovesOrphans() throws Exception {
        ContainerStatus before = containerStatus("web");
        fixture.stopAgent();
        // A sandbox of a pod the API server never heard of: the new agent removes it.
        PodRef ghost = new PodRef(NS, "ghost", UUID.randomUUID().toString());
        node.runtime.runSandbox(SandboxSpec.builder(ghost).logDirectory(config.podLogs().podDirectory(ghost))
                .build());
        agent = fixture.startAgent();
        assertThat(agent.awaitPodsStarted(Duration.ofSeconds(20))).isTrue();
        assertThat(node.runtime.listSandboxes(KajiLabels.forPod(ghost))).isEmpty();
        Thread.sleep(3000);
        ContainerStatus after = containerStatus("web");
        assertThat(after.getContainerID()).isEqualTo(before.getContainerID());
        assertThat(after.getRestartCount()).isZero();
        assertThat(after.getState().getRunning().getStartedAt()).isEqualTo(before.getState().getRunning().getStartedAt());
        assertThat(condition(client.pods().inNamespace(NS).withName("web").get(), "Ready").getStatus())
                .isEqualTo("True");
    }

    @Test
    @Order(8)
    void deletedPodIsStoppedAndDisappears() {
        Pod web = client.pods().inNamespace(NS).withName("web").get();
        String uid = web.getMetadata().getUid();
        long t0 = System.nanoTime();
        client.pods().inNamespace(NS).withName("web").delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> client.pods().inNamespace(NS).withName("web").get() == null);
        System.out.printf("timing: pod delete -> object gone: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(node.runtime.listSandboxes(KajiLabels.forPod(new PodRef(NS, "web", uid)))).isEmpty();
        for (String name : List.of("crash", "once", "said", "fallback", "deadline", "noimage", "sysctls",
                "hostns", "resandbox")) {
            client.pods().inNamespace(NS).withName(name).delete();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
            assertThat(node.runtime.listSandboxes(KajiLabels.managed())).isEmpty();
        });
    }

    @Test
    @Order(9)
    void podsWaitingOutTheirGracePeriodDoNotHoldUpAnotherPodsStart() {
        // More pods than the agent used to have workers (16), each with a PID 1 that ignores SIGTERM (sleep), so
        // that each one's stop takes its whole grace period, as the kubelet's would.
        int slow = 20;
        for (int i = 0; i < slow; i++) {
            client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("slow-" + i)
                    .withNamespace(NS).endMetadata().withNewSpec().withNodeName(NODE)
                    .withTerminationGracePeriodSeconds(30L).addNewContainer().withName("sleep")
                    .withImage(BusyboxImage.NAME).withImagePullPolicy("IfNotPresent")
                    .withCommand("sleep", "3600").endContainer().endSpec().build()).create();
        }
        for (int i = 0; i < slow; i++) {
            awaitReady("slow-" + i, Duration.ofSeconds(60));
        }
        for (int i = 0; i < slow; i++) {
            client.pods().inNamespace(NS).withName("slow-" + i).delete();
        }
        // Every slow pod's worker is now waiting for its container to stop.
        await().atMost(Duration.ofSeconds(10)).until(() -> node.runtime.listContainers(KajiLabels.managed())
                .stream().filter(c -> c.state() == ContainerState.RUNNING).count() == slow);
        long t0 = System.nanoTime();
        client.pods().inNamespace(NS).resource(httpdPod("late")).create();
        awaitReady("late", Duration.ofSeconds(15));
        System.out.printf("timing: pod start while %d pods wait out 30-s grace periods: %d ms%n", slow,
                (System.nanoTime() - t0) / 1_000_000);
        client.pods().inNamespace(NS).withName("late").withGracePeriod(0).delete();
        for (int i = 0; i < slow; i++) {
            client.pods().inNamespace(NS).withName("slow-" + i).withGracePeriod(0).delete();
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
            assertThat(node.runtime.listSandboxes(KajiLabels.managed())).isEmpty();
        });
    }

    private static Pod httpdPod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().withNewSpec()
                .withNodeName(NODE).withTerminationGracePeriodSeconds(5L).addNewContainer().withName("httpd")
                .withImage(BusyboxImage.NAME).withImagePullPolicy("IfNotPresent")
                .withCommand("httpd", "-f", "-p", "80", "-h", "/www")
                .addNewEnv().withName("MY_POD").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("MY_NODE").withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("MY_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("GREETING").withValue("hello $(MY_POD)").endEnv()
                .endContainer().endSpec().build();
    }

    private Pod awaitReady(String name, Duration timeout) {
        return await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(
                () -> client.pods().inNamespace(NS).withName(name).get(),
                p -> p != null && p.getStatus() != null && p.getStatus().getConditions() != null
                        && "Running".equals(p.getStatus().getPhase())
                        && p.getStatus().getConditions().stream()
                        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")));
    }

    private ContainerStatus containerStatus(String pod) {
        return fixture.containerStatus(NS, pod);
    }

    private Lease lease() {
        return client.leases().inNamespace(NodeStatusReporter.LEASE_NAMESPACE).withName(NODE).get();
    }

    private static NodeCondition condition(Node n, String type) {
        return n.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }

    private static PodCondition condition(Pod p, String type) {
        return p.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }

}
