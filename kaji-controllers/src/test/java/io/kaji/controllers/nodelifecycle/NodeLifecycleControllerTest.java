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
