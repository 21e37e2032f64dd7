package io.kaji.node.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.controllers.testing.MutableClock;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerUsage;
import io.kaji.node.runtime.KajiLabels;
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
        return Map.of(KajiLabels.POD_NAMESPACE, "default", KajiLabels.POD_NAME, pod, KajiLabels.POD_UID, "uid-" + pod,
                KajiLabels.CONTAINER_NAME, container, KajiLabels.MANAGED, "true");
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
    }

    @Test
    void aCounterThatWentBackGivesZeroNotANegativeRate() {
        assertThat(ResourceStats.rate(new ResourceStats.Reading(T0, 500), new ResourceStats.Reading(T0.plusSeconds(1), 100)))
                .isZero();
        assertThat(ResourceStats.rate(null, new ResourceStats.Reading(T0, 100))).isZero();
        assertThat(ResourceStats.rate(new ResourceStats.Reading(T0, 0),
                new ResourceStats.Reading(T0.plusSeconds(2), 1_000_000_000L))).isEqualTo(500_000_000L);
    }
}
