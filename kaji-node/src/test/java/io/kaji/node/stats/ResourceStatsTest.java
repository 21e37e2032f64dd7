package io.kaji.node.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.controllers.testing.MutableClock;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.ContainerUsage;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodRef;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** CPU rates between samples, /proc parsing and the Summary JSON, with a scripted runtime and a fake /proc. */
class ResourceStatsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path proc;

    private static Map<String, String> labels(String pod, String container) {
        return KajiLabels.forContainer(new PodRef("default", pod, "uid-" + pod), container);
    }

    @Test
    void cpuIsTheRateBetweenTwoSamplesAndPodsGroupTheirContainers() throws Exception {
        Files.writeString(proc.resolve("stat"), "cpu  100 0 100 5000 10 0 0 0 0 0\ncpu0 1 2 3 4\n");
        Files.writeString(proc.resolve("meminfo"), "MemTotal:       1000 kB\nMemFree: 10 kB\nMemAvailable:    400 kB\n");
        AtomicReference<List<ContainerUsage>> usage = new AtomicReference<>(List.of());
        ContainerRuntime runtime = (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (p, m, args) -> {
                    if (m.getName().equals("containerUsage")) {
                        return usage.get();
                    }
                    if (m.getName().equals("listContainers")) {
                        return List.of();
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        MutableClock clock = new MutableClock(T0);
        ResourceStats stats = new ResourceStats(runtime, "n1", clock, proc);
        usage.set(List.of(new ContainerUsage("c1", "web", T0, 1_000_000_000L, 5 << 20, 0, labels("web", "main")),
                new ContainerUsage("c2", "side", T0, 0, 1 << 20, 0, labels("web", "side")),
                new ContainerUsage("x", "foreign", T0, 0, 0, 0, Map.of())));
        stats.sample();
        JsonNode first = new ObjectMapper().readTree(stats.summary());
        assertThat(first.at("/pods/0/containers/0/cpu/usageNanoCores").asLong()).as("one sample: no rate yet").isZero();

        // 10 s later: main used 2.5 more CPU-seconds (250 millicores), side 0.1 (10 millicores)
        Instant t1 = T0.plusSeconds(10);
        clock.set(t1);
        Files.writeString(proc.resolve("stat"), "cpu  300 0 200 5900 10 0 0 0 0 0\n");
        usage.set(new ArrayList<>(List.of(new ContainerUsage("c1", "web", t1, 3_500_000_000L, 6 << 20, 0,
                        labels("web", "main")),
                new ContainerUsage("c2", "side", t1, 100_000_000L, 1 << 20, 0, labels("web", "side")))));
        stats.sample();
        JsonNode s = new ObjectMapper().readTree(stats.summary());
        assertThat(s.at("/node/nodeName").asString()).isEqualTo("n1");
        // busy jiffies 200 -> 500: 300 jiffies = 3 s of CPU in 10 s = 300 millicores
        assertThat(s.at("/node/cpu/usageNanoCores").asLong()).isEqualTo(300_000_000L);
        assertThat(s.at("/node/memory/workingSetBytes").asLong()).isEqualTo(600 * 1024);
        assertThat(s.at("/node/memory/availableBytes").asLong()).isEqualTo(400 * 1024);
        assertThat(s.get("pods")).hasSize(1);
        JsonNode pod = s.get("pods").get(0);
        assertThat(pod.at("/podRef/name").asString()).isEqualTo("web");
        assertThat(pod.at("/podRef/uid").asString()).isEqualTo("uid-web");
        assertThat(pod.at("/containers/0/name").asString()).isEqualTo("main");
        assertThat(pod.at("/containers/0/cpu/usageNanoCores").asLong()).isEqualTo(250_000_000L);
        assertThat(pod.at("/containers/0/memory/workingSetBytes").asLong()).isEqualTo(6 << 20);
        assertThat(pod.at("/containers/1/cpu/usageNanoCores").asLong()).isEqualTo(10_000_000L);
        // Without a pod cgroup the pod's own figures are its containers' sums.
        assertThat(pod.at("/cpu/usageNanoCores").asLong()).isEqualTo(260_000_000L);
        assertThat(pod.at("/cpu/usageCoreNanoSeconds").asLong()).isEqualTo(3_600_000_000L);
        assertThat(pod.at("/memory/workingSetBytes").asLong()).isEqualTo(7 << 20);
    }

    @Test
    void theFileSystemsAreTheNodesTheImagesAndEachContainersWritableLayer() throws Exception {
        Files.writeString(proc.resolve("stat"), "cpu  100 0 100 5000 10 0 0 0 0 0\n");
        Files.writeString(proc.resolve("meminfo"), "MemTotal:       1000 kB\nMemAvailable:    400 kB\n");
        ContainerRuntime runtime = (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (p, m, args) -> switch (m.getName()) {
                    case "containerUsage" -> List.of(new ContainerUsage("c1", "web", T0, 0, 5 << 20, 40_960,
                            labels("web", "main")));
                    case "listContainers" -> List.of();
                    case "imageFsUse" -> java.util.Optional.of(new io.kaji.node.runtime.ImageFsUse(
                            "/var/lib/containerd/snapshots", 7_000_000, 900));
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        ResourceStats stats = new ResourceStats(runtime, "n1", new MutableClock(T0), proc).fileSystems(
                () -> new FsUsage(100_000_000, 60_000_000, 35_000_000, 5_000, 4_000),
                () -> new FsUsage(200_000_000, 150_000_000, 45_000_000, 8_000, 7_500))
                .podDisk(ref -> ref.uid().equals("uid-web") ? java.util.Optional.of(new PodDisk(
                        Map.of("cache", new PodDisk.VolumeUse(1_000, 3, true, null),
                                "token", new PodDisk.VolumeUse(900, 4, false,
                                        new FsUsage(64_000_000, 63_000_000, 1_000_000, -1, -1))),
                        Map.of("main", 500L, "setup", 100L))) : java.util.Optional.empty());
        stats.sample();
        JsonNode s = new ObjectMapper().readTree(stats.summary());
        JsonNode fs = s.at("/node/fs");
        assertThat(fs.get("capacityBytes").asLong()).isEqualTo(100_000_000);
        assertThat(fs.get("availableBytes").asLong()).isEqualTo(60_000_000);
        assertThat(fs.get("usedBytes").asLong()).isEqualTo(35_000_000);
        assertThat(fs.get("inodes").asLong()).isEqualTo(5_000);
        assertThat(fs.get("inodesFree").asLong()).isEqualTo(4_000);
        assertThat(fs.get("inodesUsed").asLong()).isEqualTo(1_000);
        assertThat(fs.get("time").asString()).isEqualTo(T0.toString());
        // The image file system: its capacity and free space, what the runtime's images use of it.
        JsonNode images = s.at("/node/runtime/imageFs");
        assertThat(images.get("capacityBytes").asLong()).isEqualTo(200_000_000);
        assertThat(images.get("availableBytes").asLong()).isEqualTo(150_000_000);
        assertThat(images.get("usedBytes").asLong()).isEqualTo(7_000_000);
        assertThat(images.get("inodesUsed").asLong()).isEqualTo(900);
        JsonNode rootfs = s.at("/pods/0/containers/0/rootfs");
        assertThat(rootfs.get("usedBytes").asLong()).isEqualTo(40_960);
        assertThat(rootfs.get("capacityBytes").asLong()).isEqualTo(200_000_000);
        assertThat(rootfs.has("inodesUsed")).as("the CRI stats say no inode count").isFalse();
        // The pod's disk on the node file system: the container's logs, the emptyDir, and all of it together.
        JsonNode pod = s.at("/pods/0");
        assertThat(pod.at("/containers/0/logs/usedBytes").asLong()).isEqualTo(500);
        assertThat(pod.at("/containers/0/logs/capacityBytes").asLong()).isEqualTo(100_000_000);
        assertThat(pod.at("/volume/0/name").asString()).isEqualTo("cache");
        assertThat(pod.at("/volume/0/usedBytes").asLong()).isEqualTo(1_000);
        assertThat(pod.at("/volume/0/inodesUsed").asLong()).isEqualTo(3);
        assertThat(pod.at("/volume/0/capacityBytes").asLong()).as("on the node file system").isEqualTo(100_000_000);
        // A volume on a tmpfs: that file system's capacity and free space.
        assertThat(pod.at("/volume/1/name").asString()).isEqualTo("token");
        assertThat(pod.at("/volume/1/usedBytes").asLong()).isEqualTo(900);
        assertThat(pod.at("/volume/1/inodesUsed").asLong()).isEqualTo(4);
        assertThat(pod.at("/volume/1/capacityBytes").asLong()).isEqualTo(64_000_000);
        assertThat(pod.at("/volume/1/availableBytes").asLong()).isEqualTo(63_000_000);
        assertThat(pod.at("/volume/1").has("inodes")).as("not measured for a volume's tmpfs").isFalse();
        assertThat(pod.at("/ephemeral-storage/usedBytes").asLong())
                .as("writable layer, logs (init's too), the disk emptyDir; not the token's tmpfs")
                .isEqualTo(40_960 + 500 + 100 + 1_000);
        assertThat(pod.at("/ephemeral-storage/availableBytes").asLong()).isEqualTo(60_000_000);
    }

    @Test
    void withoutFileSystemsTheSummaryHasNone() throws Exception {
        Files.writeString(proc.resolve("stat"), "cpu  100 0 100 5000 10 0 0 0 0 0\n");
        ContainerRuntime runtime = (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (p, m, args) -> switch (m.getName()) {
                    case "containerUsage" -> List.of(new ContainerUsage("c1", "web", T0, 0, 5 << 20, 40_960,
                            labels("web", "main")));
                    case "listContainers" -> List.of();
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        ResourceStats stats = new ResourceStats(runtime, "n1", new MutableClock(T0), proc);
        stats.sample();
        JsonNode s = new ObjectMapper().readTree(stats.summary());
        assertThat(s.at("/node").has("fs")).isFalse();
        assertThat(s.at("/node").has("runtime")).isFalse();
        assertThat(s.at("/pods/0/containers/0").has("rootfs")).isFalse();
        assertThat(s.at("/pods/0").has("ephemeral-storage")).isFalse();
    }

    @Test
    void aPodWithACgroupReportsItsCgroupsFiguresTheSandboxIncluded() throws Exception {
        Files.writeString(proc.resolve("stat"), "cpu  100 0 100 5000 10 0 0 0 0 0\n");
        Files.writeString(proc.resolve("meminfo"), "MemTotal:       1000 kB\nMemAvailable:    400 kB\n");
        ContainerRuntime runtime = (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (p, m, args) -> switch (m.getName()) {
                    case "containerUsage" -> List.of(
                            new ContainerUsage("c1", "main", T0, 1_000_000_000L, 6 << 20, 0, labels("web", "main")),
                            new ContainerUsage("c2", "main", T0, 1_000_000_000L, 1 << 20, 0, labels("db", "main")),
                            new ContainerUsage("c3", "main", T0, 0, 0, 0, labels("done", "main")));
                    case "listContainers" -> List.of(new ContainerInfo("c3", "s3", "main", 0, "busybox", "",
                            ContainerState.EXITED, T0, labels("done", "main")));
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        MutableClock clock = new MutableClock(T0);
        AtomicReference<Long> webCpu = new AtomicReference<>(2_000_000_000L);
        ResourceStats stats = new ResourceStats(runtime, "n1", clock, proc).podUsage(uid -> uid.equals("uid-web")
                ? java.util.Optional.of(new io.kaji.node.cgroup.PodCgroups.Usage(webCpu.get(), 9 << 20))
                : java.util.Optional.empty());
        stats.sample();
        clock.set(T0.plusSeconds(10));
        webCpu.set(4_000_000_000L); // 2 CPU-seconds in 10 s: 200 millicores
        stats.sample();
        JsonNode s = new ObjectMapper().readTree(stats.summary());
        assertThat(s.at("/pods/0/podRef/name").asString()).isEqualTo("web");
        assertThat(s.at("/pods/0/cpu/usageCoreNanoSeconds").asLong()).isEqualTo(4_000_000_000L);
        assertThat(s.at("/pods/0/cpu/usageNanoCores").asLong()).isEqualTo(200_000_000L);
        assertThat(s.at("/pods/0/memory/workingSetBytes").asLong()).isEqualTo(9 << 20);
        assertThat(s.at("/pods/0/containers/0/memory/workingSetBytes").asLong()).isEqualTo(6 << 20);
        assertThat(s.at("/pods/1/podRef/name").asString()).isEqualTo("db");
        assertThat(s.at("/pods/1/memory/workingSetBytes").asLong()).as("no cgroup: the sum").isEqualTo(1 << 20);
        assertThat(s.get("pods")).as("a finished pod (its container exited) is left out").hasSize(2);
        long ms = T0.plusSeconds(10).toEpochMilli();
        assertThat(stats.resourceMetrics().lines()).contains(
                "pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web\"} 4.000000000 " + ms,
                "pod_memory_working_set_bytes{namespace=\"default\",pod=\"web\"} " + (9 << 20) + " " + ms);
    }

    @Test
    void aCounterThatWentBackGivesZeroNotANegativeRate() {
        assertThat(ResourceStats.rate(new ResourceStats.Reading(T0, 500), new ResourceStats.Reading(T0.plusSeconds(1), 100)))
                .isZero();
        assertThat(ResourceStats.rate(null, new ResourceStats.Reading(T0, 100))).isZero();
        assertThat(ResourceStats.rate(new ResourceStats.Reading(T0, 0),
                new ResourceStats.Reading(T0.plusSeconds(2), 1_000_000_000L))).isEqualTo(500_000_000L);
    }

    @Test
    void resourceMetricsAreThePrometheusTextMetricsServerScrapes() throws Exception {
        Files.writeString(proc.resolve("stat"), "cpu  300 0 200 5900 10 0 0 0 0 0\n");
        Files.writeString(proc.resolve("meminfo"), "MemTotal:       1000 kB\nMemAvailable:    400 kB\n");
        Instant created = T0.minusSeconds(60);
        ContainerRuntime runtime = (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (p, m, args) -> switch (m.getName()) {
                    case "containerUsage" -> List.of(
                            new ContainerUsage("c1", "main", T0, 3_500_000_001L, 6 << 20, 0, labels("web", "main")),
                            new ContainerUsage("c2", "side", T0, 100_000_000L, 1 << 20, 0, labels("web", "side")));
                    case "listContainers" -> List.of(new ContainerInfo("c1", "s1", "main", 0, "busybox", "sha256:1",
                            ContainerState.RUNNING, created, labels("web", "main")));
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        ResourceStats stats = new ResourceStats(runtime, "n1", new MutableClock(T0), proc);
        assertThat(stats.resourceMetrics()).as("before the first sample").contains("\nresource_scrape_error 1\n");

        stats.sample();
        String text = stats.resourceMetrics();
        long ms = T0.toEpochMilli();
        assertThat(text.lines()).contains(
                "# TYPE container_cpu_usage_seconds_total counter",
                "container_cpu_usage_seconds_total{container=\"main\",namespace=\"default\",pod=\"web\"} 3.500000001 " + ms,
                "container_cpu_usage_seconds_total{container=\"side\",namespace=\"default\",pod=\"web\"} 0.100000000 " + ms,
                "container_memory_working_set_bytes{container=\"main\",namespace=\"default\",pod=\"web\"} " + (6 << 20)
                        + " " + ms,
                "container_start_time_seconds{container=\"main\",namespace=\"default\",pod=\"web\"} "
                        + created.getEpochSecond() + ".000000000 " + ms,
                // 500 busy jiffies = 5 s
                "node_cpu_usage_seconds_total 5.000000000 " + ms,
                "node_memory_working_set_bytes " + 600 * 1024 + " " + ms,
                "pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web\"} 3.600000001 " + ms,
                "pod_memory_working_set_bytes{namespace=\"default\",pod=\"web\"} " + (7 << 20) + " " + ms,
                "resource_scrape_error 0");
        assertThat(text.lines().filter(l -> l.startsWith("container_start_time_seconds{"))).as("c2 has no start")
                .hasSize(1);
        // Every sample line is "name{labels} value [timestamp]", and every name has HELP and TYPE before it.
        for (String line : text.lines().toList()) {
            if (!line.startsWith("#")) {
                assertThat(line).matches("[a-z_]+(\\{[^}]*})? [0-9.]+( [0-9]+)?");
                String name = line.split("[{ ]")[0];
                assertThat(text).contains("# HELP " + name + " [STABLE] ", "# TYPE " + name + " ");
            }
        }
        JsonNode summary = new ObjectMapper().readTree(stats.summary());
        assertThat(summary.at("/pods/0/containers/0/startTime").asString()).isEqualTo(created.toString());
    }

    @Test
    void labelValuesAreEscaped() {
        assertThat(ResourceStats.escape("a\"b\\c\nd")).isEqualTo("a\\\"b\\\\c\\nd");
        assertThat(ResourceStats.seconds(1_000_000_007L)).isEqualTo("1.000000007");
        assertThat(ResourceStats.seconds(0)).isEqualTo("0.000000000");
    }
}
