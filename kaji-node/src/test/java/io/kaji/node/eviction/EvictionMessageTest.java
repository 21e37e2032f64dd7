package io.kaji.node.eviction;

import static io.kaji.node.eviction.EvictionFixtures.MI;
import static io.kaji.node.eviction.EvictionFixtures.memory;
import static io.kaji.node.eviction.EvictionFixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EvictionMessageTest {

    @Test
    void theKubeletsWording() {
        String m = EvictionMessage.of(Threshold.hard(Signal.MEMORY_AVAILABLE, 100 * MI),
                new Observation(80 * MI, 1024 * MI), pod("x", null, null, null), memory(50));
        assertThat(m).isEqualTo("The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi. "
                + "Container c was using 50Mi, request is 0, has larger consumption of memory. ");
    }

    @Test
    void percentagesBecomeQuantitiesAndContainersWithinTheirRequestsAreNotNamed() {
        String m = EvictionMessage.of(Threshold.hardPercent(Signal.MEMORY_AVAILABLE, 50),
                new Observation(-2048, 1024 * MI), pod("x", "64Mi", null, null), memory(50));
        assertThat(m).isEqualTo("The node was low on resource: memory. Threshold quantity: 512Mi, available: -2Ki. ");
        String over = EvictionMessage.of(Threshold.hard(Signal.MEMORY_AVAILABLE, 100 * MI),
                new Observation(80 * MI, 1024 * MI), pod("x", "64Mi", null, null), memory(65));
        assertThat(over).endsWith("Container c was using 65Mi, request is 64Mi, has larger consumption of memory. ");
    }

    @Test
    void pidMessagesHaveCountsAndNoContainers() {
        String m = EvictionMessage.of(Threshold.hard(Signal.PID_AVAILABLE, 1000), new Observation(12, 32768),
                pod("x", null, null, null), memory(50));
        assertThat(m).isEqualTo("The node was low on resource: pids. Threshold quantity: 1000, available: 12. ");
    }

    @Test
    void evictedStatus() {
        Pod running = new PodBuilder(pod("x", null, null, null)).editStatus()
                .addToConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .addToContainerStatuses(new ContainerStatusBuilder().withName("c").withReady(true)
                        .withContainerID("containerd://abc").withNewState().withNewRunning()
                        .withStartedAt("2026-01-01T00:00:00Z").endRunning().endState().build())
                .endStatus().build();
        PodStatus s = EvictedStatus.of(running, "low", Instant.parse("2026-01-01T00:01:00.5Z"));
        assertThat(s.getPhase()).isEqualTo("Failed");
        assertThat(s.getReason()).isEqualTo("Evicted");
        assertThat(s.getMessage()).isEqualTo("low");
        assertThat(s.getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("DisruptionTarget");
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("TerminationByKubelet");
            assertThat(c.getMessage()).isEqualTo("low");
        });
        assertThat(s.getConditions()).filteredOn(c -> c.getType().equals("Ready"))
                .singleElement().satisfies(c -> assertThat(c.getStatus()).isEqualTo("False"));
        var terminated = s.getContainerStatuses().get(0).getState().getTerminated();
        assertThat(terminated.getExitCode()).isEqualTo(137);
        assertThat(terminated.getFinishedAt()).isEqualTo("2026-01-01T00:01:00Z");
        assertThat(s.getContainerStatuses().get(0).getReady()).isFalse();
    }
}
