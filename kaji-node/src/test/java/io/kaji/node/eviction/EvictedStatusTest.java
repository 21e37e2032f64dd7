package io.kaji.node.eviction;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The final status of a pod the node ends: evicted (with DisruptionTarget) or past its active deadline. */
class EvictedStatusTest {

    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00.5Z");

    @Test
    void anEvictedPodIsFailedWithADisruptionTargetAndItsRunningContainersKilled() {
        PodStatus s = EvictedStatus.of(running(), "The node was low on resource: memory.", NOW);
        assertThat(s.getPhase()).isEqualTo("Failed");
        assertThat(s.getReason()).isEqualTo("Evicted");
        assertThat(s.getConditions()).extracting(PodCondition::getType).contains("DisruptionTarget");
        assertThat(s.getContainerStatuses().get(0).getState().getTerminated().getExitCode()).isEqualTo(137);
        assertThat(s.getContainerStatuses().get(0).getState().getTerminated().getFinishedAt())
                .isEqualTo("2026-11-27T12:00:00Z");
    }

    @Test
    void aPodPastItsDeadlineFailsWithTheKubeletsReasonAndNoDisruptionTarget() {
        PodStatus s = EvictedStatus.deadlineExceeded(running(), NOW);
        assertThat(s.getPhase()).isEqualTo("Failed");
        assertThat(s.getReason()).isEqualTo("DeadlineExceeded");
        assertThat(s.getMessage()).isEqualTo("Pod was active on the node longer than the specified deadline");
        assertThat(s.getConditions()).extracting(PodCondition::getType).doesNotContain("DisruptionTarget");
        assertThat(s.getConditions()).filteredOn(c -> c.getType().equals("Ready")).singleElement()
                .extracting(PodCondition::getStatus).isEqualTo("False");
        assertThat(s.getContainerStatuses().get(0).getState().getTerminated().getExitCode()).isEqualTo(137);
    }

    private static Pod running() {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").endMetadata().withNewStatus()
                .withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition()
                .addNewContainerStatus().withName("c").withNewState().withNewRunning()
                .withStartedAt("2026-11-27T11:00:00Z").endRunning().endState().endContainerStatus().endStatus()
                .build();
    }
}
