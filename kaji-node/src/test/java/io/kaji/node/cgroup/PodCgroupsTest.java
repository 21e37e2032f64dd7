package io.kaji.node.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pod cgroups on a fake cgroup mount (a temporary directory laid out as v1 or v2). */
class PodCgroupsTest {

    @TempDir
    Path mount;

    static Pod pod(String uid, Map<String, String> requests, Map<String, String> limits, int containers) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName("p-" + uid).withNamespace("default").withUid(uid)
                .endMetadata().withNewSpec().endSpec();
        for (int i = 0; i < containers; i++) {
            ContainerBuilder c = new ContainerBuilder().withName("c" + i).withImage("busybox");
            if (!requests.isEmpty() || !limits.isEmpty()) {
                c.withNewResources().withRequests(quantities(requests)).withLimits(quantities(limits)).endResources();
            }
            b.editSpec().addToContainers(c.build()).endSpec();
        }
        return b.build();
    }

    private static Map<String, Quantity> quantities(Map<String, String> m) {
        Map<String, Quantity> out = new java.util.HashMap<>();
        m.forEach((k, v) -> out.put(k, new Quantity(v)));
        return out.isEmpty() ? null : out;
    }

    private PodCgroups v1() throws Exception {
        for (String c : new String[] {"cpu", "memory", "pids", "cpuset"}) {
            Files.createDirectories(mount.resolve(c));
        }
        return new PodCgroups(mount, "/kaji/n1");
    }

    @Test
    void resourcesAsTheKubeletComputesThem() {
        PodResources g = PodResources.of(pod("g", Map.of("cpu", "250m", "memory", "64Mi"),
                Map.of("cpu", "250m", "memory", "64Mi"), 2));
        assertThat(g).isEqualTo(new PodResources("Guaranteed", 512, 50_000, 128L << 20));
        PodResources b = PodResources.of(pod("b", Map.of("cpu", "100m"), Map.of("memory", "32Mi"), 1));
        assertThat(b).isEqualTo(new PodResources("Burstable", 102, -1, 32L << 20));
        assertThat(PodResources.of(pod("e", Map.of(), Map.of(), 1)))
                .isEqualTo(new PodResources("BestEffort", 2, -1, -1));
        assertThat(PodResources.weight(2)).isEqualTo(1);
        assertThat(PodResources.weight(1024)).isEqualTo(39);
        assertThat(PodResources.weight(262_144)).isEqualTo(10_000);

        // A sidecar's limits add to the containers' (250m + 100m) and to a later init container's (100m + 500m).
        Pod withSidecar = new PodBuilder(pod("s", Map.of("cpu", "250m", "memory", "64Mi"),
                Map.of("cpu", "250m", "memory", "64Mi"), 1)).editSpec()
                .addNewInitContainer().withName("proxy").withImage("busybox").withRestartPolicy("Always")
                .withNewResources().addToLimits("cpu", new Quantity("100m")).addToLimits("memory", new Quantity("16Mi"))
                .endResources().endInitContainer()
                .addNewInitContainer().withName("setup").withImage("busybox")
                .withNewResources().addToLimits("cpu", new Quantity("500m")).addToLimits("memory", new Quantity("16Mi"))
                .endResources().endInitContainer().endSpec().build();
        PodResources s = PodResources.of(withSidecar);
        assertThat(s.cpuQuotaMicros()).isEqualTo(60_000);
        assertThat(s.memoryLimit()).isEqualTo(80L << 20);
    }

    @Test
    void oomScoreAdjByQosClass() throws Exception {
        long gi = 1L << 30;
        Pod g = pod("g", Map.of("cpu", "1", "memory", "1Gi"), Map.of("cpu", "1", "memory", "1Gi"), 1);
        Pod e = pod("e", Map.of(), Map.of(), 1);
        Pod b = pod("b", Map.of("memory", "1Gi"), Map.of(), 1);
        Pod tiny = pod("t", Map.of("memory", "1"), Map.of(), 1);
        Pod huge = pod("h", Map.of("memory", "4Gi"), Map.of(), 1);
        assertThat(PodResources.oomScoreAdj(g, g.getSpec().getContainers().get(0), 4 * gi)).isEqualTo(-997);
        assertThat(PodResources.oomScoreAdj(e, e.getSpec().getContainers().get(0), 4 * gi)).isEqualTo(1000);
        assertThat(PodResources.oomScoreAdj(b, b.getSpec().getContainers().get(0), 4 * gi)).isEqualTo(750);
        assertThat(PodResources.oomScoreAdj(tiny, tiny.getSpec().getContainers().get(0), 4 * gi)).isEqualTo(999);
        assertThat(PodResources.oomScoreAdj(huge, huge.getSpec().getContainers().get(0), 4 * gi)).isEqualTo(3);
        Path meminfo = mount.resolve("meminfo");
        Files.writeString(meminfo, "MemTotal:       24684092 kB\nMemFree:        1 kB\n");
        assertThat(PodCgroups.memTotal(meminfo)).isEqualTo(24684092L * 1024);
    }

    @Test
    void v1WritesPodLimitsInTheCpuAndMemoryHierarchies() throws Exception {
        PodCgroups cg = v1();
        assertThat(cg.unified()).isFalse();
        Pod g = pod("1111-aa", Map.of("cpu", "500m", "memory", "100Mi"), Map.of("cpu", "500m", "memory", "100Mi"), 1);
        assertThat(cg.ensure(g)).isEqualTo("/kaji/n1/pod1111-aa");
        Path cpu = mount.resolve("cpu/kaji/n1/pod1111-aa");
        assertThat(cpu.resolve("cpu.shares")).hasContent("512");
        assertThat(cpu.resolve("cpu.cfs_quota_us")).hasContent("50000");
        assertThat(cpu.resolve("cpu.cfs_period_us")).hasContent("100000");
        assertThat(mount.resolve("memory/kaji/n1/pod1111-aa/memory.limit_in_bytes")).hasContent("104857600");
        assertThat(mount.resolve("cpu/kaji/n1/besteffort/cpu.shares")).hasContent("2");

        Pod e = pod("2222-bb", Map.of(), Map.of(), 1);
        assertThat(cg.ensure(e)).isEqualTo("/kaji/n1/besteffort/pod2222-bb");
        assertThat(cg.parentFor(e)).isEqualTo("/kaji/n1/besteffort/pod2222-bb");
        assertThat(mount.resolve("cpu/kaji/n1/besteffort/pod2222-bb/cpu.cfs_quota_us")).hasContent("-1");
        assertThat(mount.resolve("memory/kaji/n1/besteffort/pod2222-bb/memory.limit_in_bytes")).doesNotExist();

        // runc creates the container cgroups below the pod's, in every hierarchy.
        Files.createDirectories(mount.resolve("pids/kaji/n1/besteffort/pod2222-bb/abc123"));
        Files.writeString(mount.resolve("pids/kaji/n1/besteffort/pod2222-bb/abc123/pids.max"), "max");
        assertThat(cg.remove("2222-bb")).isTrue();
        assertThat(mount.resolve("pids/kaji/n1/besteffort/pod2222-bb")).doesNotExist();
        assertThat(mount.resolve("cpu/kaji/n1/besteffort/pod2222-bb")).doesNotExist();
        assertThat(mount.resolve("cpu/kaji/n1/pod1111-aa")).exists();

        Files.createDirectories(mount.resolve("memory/kaji/n1/burstable/pod3333-cc"));
        assertThat(cg.removeOrphans(Set.of("1111-aa"))).isEqualTo(1);
        assertThat(mount.resolve("memory/kaji/n1/burstable/pod3333-cc")).doesNotExist();
        assertThat(mount.resolve("memory/kaji/n1/pod1111-aa")).exists();

        Files.createDirectories(mount.resolve("memory/kaji/other-node/pod4444"));
        assertThat(cg.removeAll()).isTrue();
        assertThat(mount.resolve("cpu/kaji")).doesNotExist();
        assertThat(mount.resolve("memory/kaji/n1")).doesNotExist();
        assertThat(mount.resolve("memory/kaji/other-node/pod4444")).exists();
    }

    @Test
    void burstableLevelSharesFollowTheBurstablePodsRequests() throws Exception {
        PodCgroups cg = v1();
        Pod b1 = pod("b1", Map.of("cpu", "500m"), Map.of(), 1);
        Pod b2 = pod("b2", Map.of("cpu", "250m"), Map.of(), 2);
        Pod g = pod("g", Map.of("cpu", "1", "memory", "1Mi"), Map.of("cpu", "1", "memory", "1Mi"), 1);
        java.util.List<Pod> pods = new java.util.ArrayList<>(List.of(b1, b2, g));
        cg.pods(() -> pods);
        cg.ensure(b1);
        // 500m + 2 × 250m = 1000m → 1024 shares; the Guaranteed pod does not count.
        assertThat(mount.resolve("cpu/kaji/n1/burstable/cpu.shares")).hasContent("1024");
        cg.ensure(b2);
        assertThat(mount.resolve("cpu/kaji/n1/burstable/cpu.shares")).hasContent("1024");
        // b2 goes: its cgroup's removal rewrites the level.
        pods.remove(b2);
        cg.remove("b2");
        assertThat(mount.resolve("cpu/kaji/n1/burstable/cpu.shares")).hasContent("512");
    }

    @Test
    void eachOperationIsTimedByTheKubeletCgroupManagersNames() throws Exception {
        PodCgroups cg = v1();
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        cg.timings((operation, seconds) -> {
            assertThat(seconds).isNotNegative().isLessThan(10);
            seen.add(operation);
        });
        Pod b = pod("b1", Map.of("cpu", "500m"), Map.of(), 1);
        Pod g = pod("g", Map.of("cpu", "1", "memory", "1Mi"), Map.of("cpu", "1", "memory", "1Mi"), 1);
        cg.pods(() -> List.of(b, g));
        cg.ensure(g);
        cg.ensure(g);
        assertThat(seen).as("once per pod").containsExactly("create");
        cg.ensure(b);
        assertThat(seen).as("a Burstable pod rewrites its level's weight").containsExactly("create", "create",
                "update");
        cg.remove("b1");
        assertThat(seen).containsExactly("create", "create", "update", "update", "destroy");
    }

    @Test
    void v2EnablesControllersAndWritesWeightMaxAndMemoryMax() throws Exception {
        Files.writeString(mount.resolve("cgroup.controllers"), "cpuset cpu io memory pids");
        Files.writeString(mount.resolve("cgroup.subtree_control"), "");
        PodCgroups cg = new PodCgroups(mount, "/kaji/n2");
        assertThat(cg.unified()).isTrue();
        // A real cgroup file system creates these files in each new directory; the fake needs them up front.
        for (String d : new String[] {"kaji", "kaji/n2", "kaji/n2/burstable"}) {
            Files.createDirectories(mount.resolve(d));
            Files.writeString(mount.resolve(d).resolve("cgroup.controllers"), "cpu memory pids");
        }
        Pod b = pod("5555", Map.of("cpu", "1"), Map.of("cpu", "2", "memory", "1Gi"), 1);
        assertThat(cg.ensure(b)).isEqualTo("/kaji/n2/burstable/pod5555");
        Path dir = mount.resolve("kaji/n2/burstable/pod5555");
        assertThat(dir.resolve("cpu.weight")).hasContent(String.valueOf(PodResources.weight(1024)));
        assertThat(dir.resolve("cpu.max")).hasContent("200000 100000");
        assertThat(dir.resolve("memory.max")).hasContent(String.valueOf(1L << 30));
        assertThat(mount.resolve("kaji/n2/cgroup.subtree_control")).content().contains("+");
        assertThat(cg.remove("5555")).isTrue();
        assertThat(dir).doesNotExist();
    }

    @Test
    void theRootIsCappedAtCapacityLessTheReservationsOnce() throws Exception {
        PodCgroups cg = v1();
        Pod before = pod("6666", Map.of(), Map.of(), 1);
        cg.ensure(before);
        assertThat(mount.resolve("memory/kaji/n1/memory.limit_in_bytes")).as("no limits given").doesNotExist();

        cg.limitRoot(3L << 30, 1500);
        cg.ensure(pod("7777", Map.of(), Map.of(), 1));
        assertThat(mount.resolve("memory/kaji/n1/memory.limit_in_bytes")).hasContent(String.valueOf(3L << 30));
        assertThat(mount.resolve("cpu/kaji/n1/cpu.shares")).hasContent("1536");
        // Written once, not for every pod.
        Files.writeString(mount.resolve("cpu/kaji/n1/cpu.shares"), "1024");
        cg.ensure(pod("8888", Map.of(), Map.of(), 1));
        assertThat(mount.resolve("cpu/kaji/n1/cpu.shares")).hasContent("1024");

        Files.writeString(mount.resolve("cgroup.controllers"), "cpuset cpu io memory pids");
        Files.writeString(mount.resolve("cgroup.subtree_control"), "");
        PodCgroups v2 = new PodCgroups(mount, "/kaji/n3");
        for (String d : new String[] {"kaji", "kaji/n3", "kaji/n3/besteffort"}) {
            Files.createDirectories(mount.resolve(d));
            Files.writeString(mount.resolve(d).resolve("cgroup.controllers"), "cpu memory pids");
        }
        v2.limitRoot(1L << 30, 2000);
        v2.ensure(pod("9999", Map.of(), Map.of(), 1));
        assertThat(mount.resolve("kaji/n3/memory.max")).hasContent(String.valueOf(1L << 30));
        assertThat(mount.resolve("kaji/n3/cpu.weight")).hasContent(String.valueOf(PodResources.weight(2048)));
    }

    @Test
    void agentRootsDifferByDataDirAndAreRecordedForKajiDown() throws Exception {
        PodCgroups a = PodCgroups.forAgent("n1", mount.resolve("a"));
        PodCgroups b = PodCgroups.forAgent("n1", mount.resolve("b"));
        assertThat(a.root()).startsWith("/kaji/n1-").hasSize("/kaji/n1-".length() + 8).isNotEqualTo(b.root());
        assertThat(PodCgroups.recorded(mount.resolve("a"))).map(PodCgroups::root).contains(a.root());
        assertThat(PodCgroups.recorded(mount.resolve("none"))).isEmpty();
    }

    @Test
    void rootMustBeAbsolute() {
        assertThatThrownBy(() -> new PodCgroups(mount, "kaji")).hasMessageContaining("absolute path");
        assertThatThrownBy(() -> new PodCgroups(mount, "/kaji/../etc")).hasMessageContaining("absolute path");
        assertThat(PodCgroups.rootFor("Node-1.example")).isEqualTo("/kaji/node-1.example");
    }

    @Test
    void usageOnCgroupV1IsCpuacctAndTheWorkingSetOfThePodsCgroup() throws Exception {
        PodCgroups cgroups = v1();
        Path cpuacct = Files.createDirectories(mount.resolve("cpuacct/kaji/n1/burstable/podu1"));
        Path memory = Files.createDirectories(mount.resolve("memory/kaji/n1/burstable/podu1"));
        Files.writeString(cpuacct.resolve("cpuacct.usage"), "123456789\n");
        Files.writeString(memory.resolve("memory.usage_in_bytes"), "10485760\n");
        Files.writeString(memory.resolve("memory.stat"), "cache 100\ninactive_file 1\ntotal_inactive_file 2097152\n");
        assertThat(cgroups.usage("u1")).contains(new PodCgroups.Usage(123_456_789L, 8L << 20));
        assertThat(cgroups.usage("u2")).as("no cgroup").isEmpty();
    }

    @Test
    void usageOnCgroupV2ReadsCpuStatAndMemoryCurrent() throws Exception {
        Files.writeString(mount.resolve("cgroup.controllers"), "cpu memory pids\n");
        PodCgroups cgroups = new PodCgroups(mount, "/kaji/n1");
        Path dir = Files.createDirectories(mount.resolve("kaji/n1/podg1"));
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
        Files.writeString(dir.resolve("memory.current"), "4096\n");
        Files.writeString(dir.resolve("memory.stat"), "anon 1024\nactive_file 0\ninactive_file 5000\n");
        assertThat(cgroups.usage("g1")).as("inactive cache above usage: 0, never negative")
                .contains(new PodCgroups.Usage(2_500_000L, 0));
    }
}
