package io.kaji.node.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cAdvisor series and the summary's network figures from a scripted runtime, pod specs and a fake /proc. */
class CadvisorMetricsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path proc;

    private static Map<String, String> labels(String pod, String container) {
        return KajiLabels.forContainer(new PodRef("default", pod, "uid-" + pod), container);
    }

    private void netDev(int pid, String netns, String eth0) throws Exception {
        Path dir = Files.createDirectories(proc.resolve(pid + "/net"));
        Files.writeString(dir.resolve("dev"), """
                Inter-|   Receive                                                |  Transmit
                 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
                """ + eth0 + "\n");
        Files.createDirectories(proc.resolve(pid + "/ns"));
        Files.createSymbolicLink(proc.resolve(pid + "/ns/net"), Path.of(netns));
    }

    @Test
    void containersSpecsAndPodNetworksAsCadvisorNamesThem() throws Exception {
        Files.writeString(proc.resolve("stat"), "cpu  100 0 100 5000 10 0 0 0 0 0\n");
        Files.writeString(proc.resolve("meminfo"), "MemTotal:       2048 kB\nMemAvailable:    1024 kB\n");
        Files.createDirectories(proc.resolve("1/ns"));
        Files.createSymbolicLink(proc.resolve("1/ns/net"), Path.of("net:[4026531840]"));
        netDev(4242, "net:[4026532100]",
                "  eth0:  123456     789    1    2    0     0          0         0"
                        + "    65432     321    3    4    0     0       0          0");
        netDev(4343, "net:[4026531840]",
                "  eth0: 999999999 999    0    0    0     0          0         0  999999999    999    0    0    0     0"
                        + "       0          0");

        ContainerRuntime runtime = (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (p, m, args) -> switch (m.getName()) {
                    case "containerUsage" -> List.of(
                            new ContainerUsage("c1", "main", T0, 2_500_000_000L, 6 << 20, 0, labels("web", "main"),
                                    9 << 20, 5 << 20),
                            new ContainerUsage("c2", "main", T0, 1_000_000_000L, 1 << 20, 0, labels("host", "main")));
                    case "listContainers" -> List.of(
                            new ContainerInfo("c1", "s1", "main", 0, "docker.io/kaji/busybox:1.35", "sha256:1",
                                    ContainerState.RUNNING, Instant.parse("2025-12-31T23:00:00Z"),
                                    labels("web", "main")),
                            new ContainerInfo("c2", "s2", "main", 0, "docker.io/kaji/busybox:1.35", "sha256:1",
                                    ContainerState.RUNNING, Instant.parse("2025-12-31T23:00:00Z"),
                                    labels("host", "main")));
                    case "sandboxPid" -> Optional.of(args[0].equals("s1") ? 4242 : 4343);
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        Pod web = new PodBuilder().withNewMetadata().withNamespace("default").withName("web").withUid("uid-web")
                .endMetadata().withNewSpec().addToContainers(new ContainerBuilder().withName("main")
                        .withNewResources().addToLimits("memory", new Quantity("128Mi"))
                        .addToLimits("cpu", new Quantity("500m")).addToRequests("cpu", new Quantity("250m"))
                        .endResources().build()).endSpec().build();
        Pod host = new PodBuilder().withNewMetadata().withNamespace("default").withName("host").withUid("uid-host")
                .endMetadata().withNewSpec().withHostNetwork(true).addNewContainer().withName("main").endContainer()
                .endSpec().build();
        ResourceStats stats = new ResourceStats(runtime, "n1", new MutableClock(T0), proc);
        stats.sample();
        PodNetworks networks = new PodNetworks(runtime, proc);
        stats.podNetworks(networks);
        String text = new CadvisorMetrics(stats, networks, (ns, name) -> name.equals("web") ? web : host, 2)
                .render();

        String c1 = "{container=\"main\",id=\"/c1\",image=\"docker.io/kaji/busybox:1.35\",name=\"c1\","
                + "namespace=\"default\",pod=\"web\"}";
        long t = T0.toEpochMilli();
        assertThat(text).contains(
                "# TYPE container_cpu_usage_seconds_total counter\n",
                "container_cpu_usage_seconds_total" + c1 + " 2.500000000 " + t + "\n",
                "container_memory_working_set_bytes" + c1 + " 6291456 " + t + "\n",
                "container_memory_usage_bytes" + c1 + " 9437184 " + t + "\n",
                "container_memory_rss" + c1 + " 5242880 " + t + "\n",
                "container_start_time_seconds" + c1 + " 1767222000.000000000 " + t + "\n",
                "container_spec_memory_limit_bytes" + c1 + " 134217728 " + t + "\n",
                "container_spec_cpu_shares" + c1 + " 256 " + t + "\n",
                "container_spec_cpu_quota" + c1 + " 50000 " + t + "\n",
                "container_spec_cpu_period" + c1 + " 100000 " + t + "\n",
                "machine_cpu_cores 2\n",
                "machine_memory_bytes 2097152\n");
        String c2 = "{container=\"main\",id=\"/c2\",image=\"docker.io/kaji/busybox:1.35\",name=\"c2\","
                + "namespace=\"default\",pod=\"host\"}";
        assertThat(text).as("no limits: memory 0 as cAdvisor, the minimum shares, no quota").contains(
                "container_spec_memory_limit_bytes" + c2 + " 0 ", "container_spec_cpu_shares" + c2 + " 2 ")
                .doesNotContain("container_spec_cpu_quota" + c2);

        String eth0 = "{container=\"\",id=\"/s1\",image=\"\",interface=\"eth0\",name=\"s1\",namespace=\"default\","
                + "pod=\"web\"}";
        assertThat(text).contains("container_network_receive_bytes_total" + eth0 + " 123456 ",
                "container_network_receive_packets_total" + eth0 + " 789 ",
                "container_network_receive_errors_total" + eth0 + " 1 ",
                "container_network_receive_packets_dropped_total" + eth0 + " 2 ",
                "container_network_transmit_bytes_total" + eth0 + " 65432 ",
                "container_network_transmit_packets_total" + eth0 + " 321 ",
                "container_network_transmit_errors_total" + eth0 + " 3 ",
                "container_network_transmit_packets_dropped_total" + eth0 + " 4 ");
        assertThat(text).as("loopback is not reported; a hostNetwork pod's figures would be the host's")
                .doesNotContain("interface=\"lo\"").doesNotContain("name=\"s2\"", "999999999");
        assertThat(text).doesNotContain("[STABLE]");

        tools.jackson.databind.JsonNode summary = new tools.jackson.databind.ObjectMapper().readTree(stats.summary());
        tools.jackson.databind.JsonNode webNet = summary.at("/pods/0/network");
        assertThat(summary.at("/pods/0/podRef/name").asString()).isEqualTo("web");
        assertThat(webNet.path("name").asString()).isEqualTo("eth0");
        assertThat(webNet.path("rxBytes").asLong()).isEqualTo(123456);
        assertThat(webNet.path("rxErrors").asLong()).isEqualTo(1);
        assertThat(webNet.path("txBytes").asLong()).isEqualTo(65432);
        assertThat(webNet.path("txErrors").asLong()).isEqualTo(3);
        assertThat(webNet.path("interfaces")).hasSize(1);
        assertThat(summary.at("/pods/1/podRef/name").asString()).isEqualTo("host");
        assertThat(summary.at("/pods/1").has("network")).as("a hostNetwork pod: the host's figures").isFalse();
    }

    @Test
    void netDevSkipsLoopbackAndLinesOfAnotherShape() throws Exception {
        Path f = proc.resolve("dev");
        Files.writeString(f, "header\n lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                + " eth0: 10 20 30 40 0 0 0 0 50 60 70 80 0 0 0 0\n bad: x y\n");
        assertThat(PodNetworks.netDev(f)).containsOnlyKeys("eth0");
        assertThat(PodNetworks.netDev(f).get("eth0")).containsExactly(10, 20, 30, 40, 50, 60, 70, 80);
        assertThat(PodNetworks.netDev(proc.resolve("gone"))).isEmpty();
    }
}
