package io.kaji.controllers.nodelifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.kaji.controllers.runtime.Tolerations;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeLifecycleControllerTest {

    private static final Taint UNREACHABLE = new TaintBuilder().withKey(NodeLifecycleController.UNREACHABLE)
            .withEffect("NoExecute").withTimeAdded("2026-01-01T00:00:00Z").build();

    private static Pod pod(Toleration... tolerations) {
        return new PodBuilder().withNewMetadata().withName("p").endMetadata()
                .withNewSpec().withTolerations(tolerations).endSpec().build();
    }

    @Test
    void aPodWithoutTolerationIsEvictedAtOnce() {
        assertThat(NodeLifecycleController.evictionTime(pod(), List.of(UNREACHABLE))).isEqualTo(Instant.EPOCH);
    }

    @Test
    void tolerationSecondsDelayTheEvictionFromWhenTheTaintWasAdded() {
        Toleration fiveSeconds = new TolerationBuilder().withKey(NodeLifecycleController.UNREACHABLE)
                .withOperator("Exists").withEffect("NoExecute").withTolerationSeconds(5L).build();
        assertThat(NodeLifecycleController.evictionTime(pod(fiveSeconds), List.of(UNREACHABLE)))
                .isEqualTo(Instant.parse("2026-01-01T00:00:05Z"));
    }

    @Test
    void aPodToleratingForeverStays() {
        Toleration forever = new TolerationBuilder().withOperator("Exists").build();
        assertThat(NodeLifecycleController.evictionTime(pod(forever), List.of(UNREACHABLE))).isNull();
    }

    private static io.fabric8.kubernetes.api.model.Node node(String memoryPressure, String diskPressure,
                                                             Taint... taints) {
        return new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName("n1").endMetadata()
                .withNewSpec().withTaints(taints).endSpec().withNewStatus()
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .addNewCondition().withType("MemoryPressure").withStatus(memoryPressure).endCondition()
                .addNewCondition().withType("DiskPressure").withStatus(diskPressure).endCondition()
                .endStatus().build();
    }

    @Test
    void pressureConditionsBecomeNoScheduleTaintsAndGoWithThem() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Taint other = new TaintBuilder().withKey("dedicated").withValue("gpu").withEffect("NoSchedule").build();
        List<Taint> underPressure = NodeLifecycleController.wantedTaints(node("True", "True", other), "True", now);
        assertThat(underPressure).extracting(t -> t.getKey() + ":" + t.getEffect()).containsExactly(
                "dedicated:NoSchedule", "node.kubernetes.io/disk-pressure:NoSchedule",
                "node.kubernetes.io/memory-pressure:NoSchedule");
        Taint memory = underPressure.get(2);
        Taint disk = underPressure.get(1);
        // Memory pressure over, disk pressure stays: only the memory taint goes; nothing is added twice.
        assertThat(NodeLifecycleController.wantedTaints(node("False", "True", other, disk, memory), "True", now))
                .containsExactly(other, disk);
        // A NoExecute taint of the same key is not this controller's by condition: it stays.
        Taint userNoExecute = new TaintBuilder().withKey("node.kubernetes.io/memory-pressure").withEffect("NoExecute")
                .build();
        assertThat(NodeLifecycleController.wantedTaints(node("False", "False", userNoExecute), "True", now))
                .containsExactly(userNoExecute);
        // Ready=False adds the not-ready pair; Unknown pressure adds nothing.
        assertThat(NodeLifecycleController.wantedTaints(node("Unknown", "False"), "False", now))
                .extracting(Taint::getKey).containsOnly(NodeLifecycleController.NOT_READY);
    }

    @Test
    void tolerationMatchingFollowsKubernetes() {
        Taint withValue = new TaintBuilder().withKey("dedicated").withValue("gpu").withEffect("NoExecute").build();
        assertThat(Tolerations.tolerates(new TolerationBuilder().withKey("dedicated").withValue("gpu").build(), withValue)).isTrue();
        assertThat(Tolerations.tolerates(new TolerationBuilder().withKey("dedicated").withValue("cpu").build(), withValue)).isFalse();
        assertThat(Tolerations.tolerates(new TolerationBuilder().withKey("dedicated").withOperator("Exists").build(), withValue)).isTrue();
        assertThat(Tolerations.tolerates(new TolerationBuilder().withKey("dedicated").withOperator("Exists")
                .withEffect("NoSchedule").build(), withValue)).isFalse();
        assertThat(Tolerations.tolerates(new TolerationBuilder().withKey("other").withOperator("Exists").build(), withValue)).isFalse();
    }
}
