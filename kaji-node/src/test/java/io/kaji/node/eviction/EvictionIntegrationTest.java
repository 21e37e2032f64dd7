package io.kaji.node.eviction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.node.cgroup.PodCgroups;
import io.kaji.node.containerd.AgentFixture;
import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Pod-level cgroups and node-pressure eviction against a real containerd (bridge kajit10, 100.64.128.0/24) and an
 * in-process API server. The agent's signals are the host's own ({@link HostSignals}), switched on by the test; the
 * hard threshold {@code memory.available<1000000Mi} is always met once they are, so the node must report
 * MemoryPressure and evict its BestEffort pod before its Guaranteed one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EvictionIntegrationTest {

    private static final String NODE = "kaji-it-evict";
    private static final String POD_CIDR = "100.64.128.0/24";
    private static final String NS = "default";
    private static final Duration INTERVAL = Duration.ofSeconds(3);
    private static final Duration TRANSITION = Duration.ofSeconds(4);

    private AgentFixture fixture;
    private ContainerdFixture node;
    private KubernetesClient client;
    private PodCgroups cgroups;
    private final AtomicBoolean signalsOn = new AtomicBoolean();

    @BeforeAll
    void start() throws Exception {
        cgroups = PodCgroups.forNode(NODE);
        EvictionConfig eviction = EvictionConfig.parse("memory.available<1000000Mi", null, null, TRANSITION,
                INTERVAL, Duration.ZERO);
        fixture = AgentFixture.node(NODE, "kajit10", POD_CIDR)
                .withAgent((agent, containerd) -> {
                    HostSignals host = new HostSignals(containerd.dataDir, containerd.config.root());
                    return agent.podCgroups(cgroups)
                            .eviction(eviction, () -> signalsOn.get() ? host.observe() : Map.of());
                })
                .onClose(() -> assertThat(cgroups.removeAll()).as("cgroups of " + NODE + " removed").isTrue())
                .start();
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
    @Order(1)
    void containersRunInTheirPodsCgroupWithPodLimits() throws Exception {
        client.pods().inNamespace(NS).resource(pod("besteffort", null)).create();
        client.pods().inNamespace(NS).resource(pod("guaranteed", Map.of("cpu", new Quantity("100m"), "memory",
                new Quantity("64Mi")))).create();
        Pod be = awaitRunning("besteffort");
        Pod g = awaitRunning("guaranteed");
        String root = PodCgroups.rootFor(NODE);

        String bePath = root + "/besteffort/pod" + be.getMetadata().getUid();
        assertThat(memoryCgroupOfContainer(be)).startsWith(bePath + "/");
        String gPath = root + "/pod" + g.getMetadata().getUid();
        assertThat(memoryCgroupOfContainer(g)).startsWith(gPath + "/");

        Path mount = Path.of("/sys/fs/cgroup");
        if (!cgroups.unified()) {
            assertThat(Files.readString(mount.resolve("memory" + gPath + "/memory.limit_in_bytes")).strip())
                    .isEqualTo(String.valueOf(64L << 20));
            assertThat(Files.readString(mount.resolve("cpu" + gPath + "/cpu.cfs_quota_us")).strip())
                    .isEqualTo("10000");
            assertThat(Files.readString(mount.resolve("cpu" + root + "/besteffort/cpu.shares")).strip())
                    .isEqualTo("2");
        } else {
            assertThat(Files.readString(mount.resolve(gPath.substring(1) + "/memory.max")).strip())
                    .isEqualTo(String.valueOf(64L << 20));
        }
        // OOM score by QoS class: BestEffort 1000; Guaranteed -997, raised by containerd's restrict_oom_score_adj to
        // its own score (that of this JVM, which started it).
        assertThat(oomScoreAdj(be)).isEqualTo(1000);
        assertThat(oomScoreAdj(g)).isLessThanOrEqualTo(
                Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).strip()));
        Node n = client.nodes().withName(NODE).get();
        assertThat(condition(n, "MemoryPressure").getStatus()).isEqualTo("False");
        assertThat(condition(n, "MemoryPressure").getReason()).isEqualTo("KubeletHasSufficientMemory");
    }

    @Test
    @Order(2)
    void bestEffortPodIsEvictedFirstAndTheNodeReportsMemoryPressure() {
        Pod beBefore = client.pods().inNamespace(NS).withName("besteffort").get();
        long t0 = System.nanoTime();
        signalsOn.set(true);
        Pod be = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> client.pods().inNamespace(NS).withName("besteffort").get(),
                        p -> "Failed".equals(p.getStatus().getPhase()));
        System.out.printf("timing: signals on -> BestEffort pod Failed/Evicted observed: %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        // One pod per monitoring interval: the Guaranteed pod is still running.
        assertThat(client.pods().inNamespace(NS).withName("guaranteed").get().getStatus().getPhase())
                .isEqualTo("Running");
        assertThat(be.getStatus().getReason()).isEqualTo("Evicted");
        assertThat(be.getStatus().getMessage())
                .startsWith("The node was low on resource: memory. Threshold quantity: 1000000Mi, available: ")
                .contains("Container c was using ", ", request is 0, has larger consumption of memory. ");
        PodCondition disruption = condition(be, "DisruptionTarget");
        assertThat(disruption.getStatus()).isEqualTo("True");
        assertThat(disruption.getReason()).isEqualTo("TerminationByKubelet");
        assertThat(be.getStatus().getContainerStatuses().get(0).getState().getTerminated()).isNotNull();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Node n = client.nodes().withName(NODE).get();
            assertThat(condition(n, "MemoryPressure").getStatus()).isEqualTo("True");
            assertThat(condition(n, "MemoryPressure").getReason()).isEqualTo("KubeletHasInsufficientMemory");
            assertThat(condition(n, "MemoryPressure").getMessage())
                    .isEqualTo("kubelet has insufficient memory available");
            assertThat(condition(n, "DiskPressure").getStatus()).isEqualTo("False");
        });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<Event> events = client.v1().events().inNamespace(NS).list().getItems();
            assertThat(events).anySatisfy(e -> {
                assertThat(e.getReason()).isEqualTo("Evicted");
                assertThat(e.getInvolvedObject().getName()).isEqualTo("besteffort");
                assertThat(e.getType()).isEqualTo("Warning");
            });
        });
        // Its sandbox and its pod cgroup are gone.
        PodRef ref = new PodRef(NS, "besteffort", beBefore.getMetadata().getUid());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(node.runtime.listSandboxes(KajiLabels.forPod(ref))).isEmpty();
            Path memoryRoot = cgroups.unified() ? Path.of("/sys/fs/cgroup") : Path.of("/sys/fs/cgroup/memory");
            assertThat(memoryRoot.resolve(PodCgroups.rootFor(NODE).substring(1) + "/besteffort/pod"
                    + ref.uid())).doesNotExist();
        });

        // The next interval takes the Guaranteed pod (it is not critical).
        await().atMost(INTERVAL.multipliedBy(4)).until(() -> "Failed".equals(
                client.pods().inNamespace(NS).withName("guaranteed").get().getStatus().getPhase()));
    }

    @Test
    @Order(3)
    void pressureClearsAfterTheTransitionPeriod() {
        signalsOn.set(false);
        long t0 = System.nanoTime();
        await().atMost(TRANSITION.plus(INTERVAL).plusSeconds(10)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(condition(client.nodes().withName(NODE).get(), "MemoryPressure")
                        .getStatus()).isEqualTo("False"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("timing: signals off -> MemoryPressure False observed: %d ms (transition %s)%n", ms,
                TRANSITION);
        assertThat(ms).isGreaterThanOrEqualTo(TRANSITION.toMillis() - INTERVAL.toMillis());
        // Evicted pods stay evicted: never started again, never evicted twice.
        for (String name : List.of("besteffort", "guaranteed")) {
            Pod p = client.pods().inNamespace(NS).withName(name).get();
            assertThat(p.getStatus().getPhase()).isEqualTo("Failed");
            assertThat(node.runtime.listSandboxes(KajiLabels.forPod(new PodRef(NS, name, p.getMetadata().getUid()))))
                    .as("sandboxes of evicted pod " + name).isEmpty();
            assertThat(client.v1().events().inNamespace(NS).list().getItems())
                    .filteredOn(e -> "Evicted".equals(e.getReason()) && name.equals(e.getInvolvedObject().getName()))
                    .singleElement().satisfies(e -> assertThat(e.getCount() == null ? 1 : e.getCount()).isEqualTo(1));
        }
    }

    @Test
    @Order(4)
    void podsOverTheirLocalStorageLimitsAreEvictedWithoutAnyPressure() {
        // No signal is on: these evictions come from the pods' own limits, checked on every pass.
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("fills-emptydir")
                .endMetadata().withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .addToContainers(new ContainerBuilder().withName("c").withImage(BusyboxImage.NAME)
                        .withImagePullPolicy("IfNotPresent").withCommand("sh", "-c",
                                "dd if=/dev/zero of=/scratch/fill bs=1024 count=3072; sleep 3600")
                        .addNewVolumeMount().withName("scratch").withMountPath("/scratch").endVolumeMount().build())
                .addNewVolume().withName("scratch").withNewEmptyDir().withSizeLimit(new Quantity("1Mi"))
                .endEmptyDir().endVolume().endSpec().build()).create();
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("fills-rootfs")
                .endMetadata().withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .addToContainers(new ContainerBuilder().withName("c").withImage(BusyboxImage.NAME)
                        .withImagePullPolicy("IfNotPresent").withCommand("sh", "-c",
                                "dd if=/dev/zero of=/tmp/fill bs=1024 count=4096; sleep 3600")
                        .withNewResources().addToLimits("ephemeral-storage", new Quantity("2Mi")).endResources()
                        .build()).endSpec().build()).create();
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("within-limits")
                .endMetadata().withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .addToContainers(new ContainerBuilder().withName("c").withImage(BusyboxImage.NAME)
                        .withImagePullPolicy("IfNotPresent").withCommand("sh", "-c",
                                "dd if=/dev/zero of=/tmp/fill bs=1024 count=512; sleep 3600")
                        .withNewResources().addToLimits("ephemeral-storage", new Quantity("8Mi")).endResources()
                        .build()).endSpec().build()).create();
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Pod emptyDir = client.pods().inNamespace(NS).withName("fills-emptydir").get();
            assertThat(emptyDir.getStatus().getPhase()).isEqualTo("Failed");
            assertThat(emptyDir.getStatus().getReason()).isEqualTo("Evicted");
            assertThat(emptyDir.getStatus().getMessage())
                    .isEqualTo("Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\". ");
            Pod rootfs = client.pods().inNamespace(NS).withName("fills-rootfs").get();
            assertThat(rootfs.getStatus().getPhase()).isEqualTo("Failed");
            assertThat(rootfs.getStatus().getMessage())
                    .as("the pod's total (one container) is checked before the container's own limit")
                    .isEqualTo("Pod ephemeral local storage usage exceeds the total limit of containers 2Mi. ");
        });
        assertThat(client.pods().inNamespace(NS).withName("within-limits").get().getStatus().getPhase())
                .isEqualTo("Running");
        Node n = client.nodes().withName(NODE).get();
        assertThat(condition(n, "DiskPressure").getStatus()).as("no node pressure involved").isEqualTo("False");
    }

    /** The container's main process's oom_score_adj. */
    private int oomScoreAdj(Pod p) throws Exception {
        return Integer.parseInt(Files.readString(Path.of("/proc", containerPid(p), "oom_score_adj")).strip());
    }

    /** The pid of the container's main process, from its cgroup's cgroup.procs. */
    private String containerPid(Pod p) throws Exception {
        String id = p.getStatus().getContainerStatuses().get(0).getContainerID().replaceFirst("^containerd://", "");
        Path procs = cgroups.unified()
                ? Path.of("/sys/fs/cgroup").resolve(findCgroupDir(Path.of("/sys/fs/cgroup"), id))
                : findCgroupDir(Path.of("/sys/fs/cgroup/memory"), id);
        return Files.readAllLines(procs.resolve("cgroup.procs")).get(0).strip();
    }

    /** The container's memory cgroup as its main process sees it in /proc/<pid>/cgroup. */
    private String memoryCgroupOfContainer(Pod p) throws Exception {
        String pid = containerPid(p);
        for (String line : Files.readAllLines(Path.of("/proc", pid, "cgroup"))) {
            String[] f = line.split(":", 3);
            if (cgroups.unified() ? f[0].equals("0") : f[1].equals("memory")) {
                return f[2];
            }
        }
        throw new AssertionError("no memory cgroup line in /proc/" + pid + "/cgroup");
    }

    private static Path findCgroupDir(Path base, String containerId) throws Exception {
        try (var walk = Files.walk(base.resolve(PodCgroups.rootFor(NODE).substring(1)))) {
            return walk.filter(d -> d.getFileName().toString().equals(containerId)).findFirst()
                    .orElseThrow(() -> new AssertionError("no cgroup for container " + containerId + " under "
                            + base));
        }
    }

    private static Pod pod(String name, Map<String, Quantity> guaranteed) {
        ContainerBuilder c = new ContainerBuilder().withName("c").withImage(BusyboxImage.NAME)
                .withImagePullPolicy("Never").withCommand("sh", "-c", "sleep 3600");
        if (guaranteed != null) {
            c.withNewResources().withRequests(guaranteed).withLimits(guaranteed).endResources();
        }
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().withNewSpec()
                .withNodeName(NODE).withTerminationGracePeriodSeconds(5L).withContainers(c.build()).endSpec().build();
    }

    private Pod awaitRunning(String name) {
        return await().atMost(Duration.ofSeconds(40)).until(() -> client.pods().inNamespace(NS).withName(name).get(),
                p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())
                        && p.getStatus().getContainerStatuses() != null
                        && !p.getStatus().getContainerStatuses().isEmpty()
                        && p.getStatus().getContainerStatuses().get(0).getState().getRunning() != null);
    }

    private static NodeCondition condition(Node n, String type) {
        return n.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }

    private static PodCondition condition(Pod p, String type) {
        return p.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("pod " + p.getMetadata().getName() + " has no " + type
                        + " condition: " + p.getStatus().getConditions()));
    }
}
