package io.kaji.node.eviction;

import static io.kaji.node.eviction.EvictionFixtures.memory;
import static io.kaji.node.eviction.EvictionFixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EvictionRankingTest {

    /** A pod, its use in Mi (null: no figures), the expected rank. */
    record Case(Pod pod, Long usedMi) {
    }

    static Stream<Arguments> memoryCases() {
        return Stream.of(
                Arguments.of("BestEffort first; within their requests, the pod closest to its request next (no QoS rule)",
                        List.of(new Case(pod("besteffort", null, null, null), 10L),
                                new Case(pod("burstable", "100Mi", null, null), 50L),
                                new Case(pod("guaranteed", "100Mi", "100Mi", null), 90L)),
                        List.of("besteffort", "guaranteed", "burstable")),
                Arguments.of("a Burstable pod over its request goes before a BestEffort pod of higher priority",
                        List.of(new Case(pod("be-high", null, null, 1000), 300L),
                                new Case(pod("burst-over", "100Mi", null, 0), 150L)),
                        List.of("burst-over", "be-high")),
                Arguments.of("among pods over their requests: lower priority first",
                        List.of(new Case(pod("p10", null, null, 10), 500L),
                                new Case(pod("p0", null, null, 0), 5L)),
                        List.of("p0", "p10")),
                Arguments.of("same priority: the largest use above the request first",
                        List.of(new Case(pod("small", "10Mi", null, null), 30L),
                                new Case(pod("big", "100Mi", null, null), 400L),
                                new Case(pod("medium", null, null, null), 200L)),
                        List.of("big", "medium", "small")),
                Arguments.of("pods without figures first",
                        List.of(new Case(pod("measured", null, null, null), 900L),
                                new Case(pod("unmeasured", "1Gi", null, null), null)),
                        List.of("unmeasured", "measured")),
                Arguments.of("a limit alone counts as the request",
                        List.of(new Case(pod("limited", null, "200Mi", null), 150L),
                                new Case(pod("besteffort", null, null, null), 1L)),
                        List.of("besteffort", "limited")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("memoryCases")
    void memoryRanking(String name, List<Case> cases, List<String> expected) {
        Map<String, PodUsage> usage = new HashMap<>();
        for (Case c : cases) {
            if (c.usedMi() != null) {
                usage.put(c.pod().getMetadata().getUid(), memory(c.usedMi()));
            }
        }
        List<Pod> ranked = EvictionRanking.rank(Signal.MEMORY_AVAILABLE, cases.stream().map(Case::pod).toList(),
                usage);
        assertThat(ranked).extracting(p -> p.getMetadata().getName()).containsExactlyElementsOf(expected);
    }

    @Test
    void diskRankingUsesTheWritableLayers() {
        Pod quiet = pod("quiet", null, null, null);
        Pod writer = pod("writer", null, null, null);
        Map<String, PodUsage> usage = Map.of(
                "quiet", new PodUsage(Map.of("c", new PodUsage.ContainerFigures(900 * EvictionFixtures.MI, 10))),
                "writer", new PodUsage(Map.of("c", new PodUsage.ContainerFigures(1, 5_000_000))));
        assertThat(EvictionRanking.rank(Signal.NODEFS_AVAILABLE, List.of(quiet, writer), usage))
                .extracting(p -> p.getMetadata().getName()).containsExactly("writer", "quiet");
        assertThat(EvictionRanking.rank(Signal.MEMORY_AVAILABLE, List.of(quiet, writer), usage))
                .extracting(p -> p.getMetadata().getName()).containsExactly("quiet", "writer");
    }

    @Test
    void aSidecarsRequestAddsToThePodsAndToLaterInitContainers() {
        Pod pod = new PodBuilder().withNewMetadata().withName("s").endMetadata().withNewSpec()
                .addNewInitContainer().withName("proxy").withRestartPolicy("Always").withNewResources()
                .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity("20Mi")).endResources()
                .endInitContainer()
                .addNewInitContainer().withName("setup").withNewResources()
                .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity("100Mi")).endResources()
                .endInitContainer()
                .addNewContainer().withName("app").withNewResources()
                .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity("50Mi")).endResources()
                .endContainer().endSpec().build();
        assertThat(EvictionRanking.request(pod, "memory")).isEqualTo(120L << 20);
        pod.getSpec().getInitContainers().get(1).getResources().getRequests()
                .put("memory", new io.fabric8.kubernetes.api.model.Quantity("10Mi"));
        assertThat(EvictionRanking.request(pod, "memory")).isEqualTo(70L << 20);
    }

    @Test
    void pidRankingIsByPriority() {
        List<Pod> ranked = EvictionRanking.rank(Signal.PID_AVAILABLE,
                List.of(pod("high", null, null, 100), pod("low", null, null, -5)), Map.of());
        assertThat(ranked).extracting(p -> p.getMetadata().getName()).containsExactly("low", "high");
    }

    @Test
    void criticalPods() {
        assertThat(EvictionRanking.isCritical(pod("plain", null, null, null))).isFalse();
        assertThat(EvictionRanking.isCritical(pod("sys", null, null, 2_000_001_000))).isTrue();
        assertThat(EvictionRanking.isCritical(new PodBuilder(pod("cls", null, null, null)).editSpec()
                .withPriorityClassName("system-node-critical").endSpec().build())).isTrue();
        assertThat(EvictionRanking.isCritical(new PodBuilder(pod("mirror", null, null, null)).editMetadata()
                .addToAnnotations("kubernetes.io/config.mirror", "abc").endMetadata().build())).isTrue();
        assertThat(EvictionRanking.isCritical(new PodBuilder(pod("api", null, null, null)).editMetadata()
                .addToAnnotations("kubernetes.io/config.source", "api").endMetadata().build())).isFalse();
    }
}
