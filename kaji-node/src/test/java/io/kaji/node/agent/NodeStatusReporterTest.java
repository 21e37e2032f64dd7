package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.kaji.node.containerd.RuntimeHealth;
import io.kaji.node.runtime.ImageInfo;
import io.kaji.node.runtime.PodLogs;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The node status the agent computes, without an API server. */
class NodeStatusReporterTest {

    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    /** A reporter for a 2-core, 4 GiB node whose runtime and network are ready. */
    private static NodeStatusReporter readyReporter() {
        AgentConfig config = AgentConfig.defaults("n1", "v0.1.0", new PodLogs(Path.of("/tmp/x")), Path.of("/tmp/i"),
                Path.of("/tmp/c"));
        HostInfo host = new HostInfo(2, 4L << 30, "192.0.2.2", "h1", "6.1.0", "Debian GNU/Linux 12 (bookworm)");
        return new NodeStatusReporter(null, config, host,
                () -> new RuntimeHealth(true, "ContainerdReady", "ok", T, 0), () -> "containerd://1.6.20", () -> true);
    }

    @Test
    void readyFollowsRuntimeHealthAndNetwork() {
        AtomicReference<RuntimeHealth> health = new AtomicReference<>(
                new RuntimeHealth(true, "ContainerdReady", "ok", T, 0));
        AtomicBoolean network = new AtomicBoolean(false);
        AgentConfig config = AgentConfig.defaults("n1", "v0.1.0", new PodLogs(Path.of("/tmp/x")), Path.of("/tmp/i"),
                Path.of("/tmp/c"));
        HostInfo host = new HostInfo(2, 4L << 30, "192.0.2.2", "h1", "6.1.0", "Debian GNU/Linux 12 (bookworm)");
        NodeStatusReporter r = new NodeStatusReporter(null, config, host, health::get, () -> "containerd://1.6.20",
                network::get);

        NodeStatus s = r.status(T);
        assertThat(ready(s).getStatus()).isEqualTo("False");
        assertThat(ready(s).getReason()).isEqualTo("NetworkPluginNotReady");
        assertThat(s.getCapacity().get("memory").toString()).isEqualTo("4194304Ki");
        assertThat(s.getCapacity().get("cpu").toString()).isEqualTo("2");
        assertThat(s.getAllocatable()).isEqualTo(s.getCapacity());
        assertThat(s.getNodeInfo().getContainerRuntimeVersion()).isEqualTo("containerd://1.6.20");
        assertThat(s.getNodeInfo().getKubeletVersion()).isEqualTo("v0.1.0");
        assertThat(s.getAddresses()).extracting(a -> a.getType() + "=" + a.getAddress())
                .containsExactly("InternalIP=192.0.2.2", "Hostname=h1");
        assertThat(s.getConditions()).extracting(NodeCondition::getType)
                .containsExactly("Ready", "MemoryPressure", "DiskPressure", "PIDPressure");

        network.set(true);
        assertThat(ready(r.status(T)).getStatus()).isEqualTo("True");
        assertThat(ready(r.status(T)).getReason()).isEqualTo("KubeletReady");

        health.set(new RuntimeHealth(false, "ContainerdExited", "containerd pid 7 exited with code 137", T, 1));
        NodeCondition down = ready(r.status(T));
        assertThat(down.getStatus()).isEqualTo("False");
        assertThat(down.getReason()).isEqualTo("ContainerdExited");
        assertThat(down.getMessage()).contains("exited with code 137");
    }

    @Test
    void allocatableIsCapacityLessWhatIsReservedAndEphemeralStorageIsReported() {
        NodeStatusReporter r = readyReporter();
        r.allocatable(new NodeAllocatable(java.util.Map.of("cpu", 500L), java.util.Map.of("memory", 1L << 30),
                io.kaji.node.eviction.EvictionConfig.defaults().thresholds()), 50L << 30);

        NodeStatus s = r.status(T);
        assertThat(s.getCapacity().get("ephemeral-storage").toString()).isEqualTo((50L << 20) + "Ki");
        assertThat(s.getCapacity().get("cpu").toString()).isEqualTo("2");
        assertThat(s.getAllocatable().get("cpu").toString()).isEqualTo("1500m");
        // 4 GiB less 1 GiB reserved less the 100 MiB hard eviction threshold
        assertThat(s.getAllocatable().get("memory").toString()).isEqualTo((3L * 1024 * 1024 - 100 * 1024) + "Ki");
        // 50 GiB less the 10 % hard eviction threshold of nodefs
        assertThat(s.getAllocatable().get("ephemeral-storage").toString()).isEqualTo((45L << 20) + "Ki");
        assertThat(s.getAllocatable().get("pods").toString()).isEqualTo("110");
    }

    @Test
    void pressureConditionsCarryTheKubeletsReasonsAndMessages() {
        NodeStatusReporter r = readyReporter();
        AtomicReference<java.util.Set<io.kaji.node.eviction.PressureCondition>> pressure =
                new AtomicReference<>(java.util.Set.of());
        r.pressure(pressure::get);
        NodeStatus calm = r.status(T);
        assertThat(calm.getConditions()).extracting(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
                .containsExactly("Ready=True/KubeletReady", "MemoryPressure=False/KubeletHasSufficientMemory",
                        "DiskPressure=False/KubeletHasNoDiskPressure", "PIDPressure=False/KubeletHasSufficientPID");
        pressure.set(java.util.Set.of(io.kaji.node.eviction.PressureCondition.MEMORY,
                io.kaji.node.eviction.PressureCondition.PID));
        NodeStatus s = r.status(T);
        NodeCondition memory = s.getConditions().get(1);
        assertThat(memory.getStatus()).isEqualTo("True");
        assertThat(memory.getReason()).isEqualTo("KubeletHasInsufficientMemory");
        assertThat(memory.getMessage()).isEqualTo("kubelet has insufficient memory available");
        assertThat(s.getConditions().get(2).getStatus()).isEqualTo("False");
        assertThat(s.getConditions().get(3).getReason()).isEqualTo("KubeletHasInsufficientPID");
    }

    @Test
    void reportsTheLargestImagesWithDigestsAndTagsAndKeepsThemWhileTheRuntimeIsDown() {
        NodeStatusReporter r = readyReporter();
        java.util.List<ImageInfo> images = new java.util.ArrayList<>();
        images.add(new ImageInfo("sha256:small", java.util.List.of("docker.io/library/busybox:1"),
                java.util.List.of("docker.io/library/busybox@sha256:aa"), 1_000));
        images.add(new ImageInfo("sha256:untagged", java.util.List.of(), java.util.List.of(), 9_000_000));
        for (int i = 0; i < 60; i++) {
            images.add(new ImageInfo("sha256:" + i, java.util.List.of("example.test/app:" + i), java.util.List.of(),
                    10_000 + i));
        }
        AtomicBoolean down = new AtomicBoolean(false);
        r.images(() -> {
            if (down.get()) {
                throw new IllegalStateException("containerd is down");
            }
            return images;
        });
        var reported = r.status(T).getImages();
        assertThat(reported).hasSize(NodeStatusReporter.MAX_IMAGES);
        assertThat(reported.get(0).getNames()).containsExactly("example.test/app:59");
        assertThat(reported.get(0).getSizeBytes()).isEqualTo(10_059L);
        assertThat(reported).noneMatch(i -> i.getNames().isEmpty());

        images.subList(2, images.size()).clear();
        var small = r.status(T).getImages();
        assertThat(small).hasSize(1);
        assertThat(small.get(0).getNames()).containsExactly("docker.io/library/busybox@sha256:aa",
                "docker.io/library/busybox:1");

        down.set(true);
        assertThat(r.status(T).getImages()).isEqualTo(small);
    }

    @Test
    void parsesMemTotal() {
        assertThat(HostInfo.parseMemTotal(java.util.List.of("MemFree: 1 kB", "MemTotal:       16384 kB")))
                .isEqualTo(16384L * 1024);
    }

    private static NodeCondition ready(NodeStatus s) {
        return s.getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
    }
}
