package io.kaji.controllers.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class RolloutMathTest {

    static Deployment deployment(int replicas, IntOrString surge, IntOrString unavailable) {
        return new DeploymentBuilder().withNewMetadata().withName("d").endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewStrategy().withType("RollingUpdate")
                .withNewRollingUpdate().withMaxSurge(surge).withMaxUnavailable(unavailable).endRollingUpdate()
                .endStrategy().endSpec().build();
    }

    static ReplicaSet rs(int replicas, int available) {
        return new ReplicaSetBuilder().withNewMetadata().withName("rs" + replicas + "-" + available).endMetadata()
                .withNewSpec().withReplicas(replicas).endSpec()
                .withNewStatus().withReplicas(replicas).withAvailableReplicas(available).endStatus().build();
    }

    static Stream<Arguments> bounds() {
        return Stream.of(
                // replicas, maxSurge, maxUnavailable -> surge count, unavailable count
                Arguments.of(10, null, null, 3, 2),                       // defaults 25%/25%: ceil, floor
                Arguments.of(4, new IntOrString("25%"), new IntOrString("25%"), 1, 1),
                Arguments.of(3, new IntOrString("25%"), new IntOrString("25%"), 1, 0),
                Arguments.of(3, new IntOrString(0), new IntOrString(0), 0, 1),   // both 0: unavailable becomes 1
                Arguments.of(3, new IntOrString(1), new IntOrString(5), 1, 3),   // unavailable capped at replicas
                Arguments.of(1, new IntOrString("100%"), new IntOrString("0%"), 1, 0));
    }

    @ParameterizedTest(name = "replicas={0} surge={1} unavailable={2}")
    @MethodSource("bounds")
    void resolvesSurgeAndUnavailableLikeKubernetes(int replicas, IntOrString surge, IntOrString unavailable,
                                                   int expectedSurge, int expectedUnavailable) {
        Deployment d = deployment(replicas, surge, unavailable);
        assertThat(RolloutMath.maxSurge(d)).isEqualTo(expectedSurge);
        assertThat(RolloutMath.maxUnavailable(d)).isEqualTo(expectedUnavailable);
    }

    @Test
    void aBadPercentageIsAClearError() {
        Deployment d = deployment(3, new IntOrString("lots"), null);
        assertThatThrownBy(() -> RolloutMath.maxSurge(d)).hasMessageContaining("\"lots\"");
    }

    @Test
    void theNewReplicaSetGrowsOnlyWithinTheSurge() {
        Deployment d = deployment(3, new IntOrString(1), new IntOrString(0));
        ReplicaSet old = rs(3, 3);
        ReplicaSet fresh = rs(0, 0);
        assertThat(RolloutMath.newReplicaSetReplicas(d, List.of(old, fresh), fresh)).isEqualTo(1);
        ReplicaSet one = rs(1, 0);
        assertThat(RolloutMath.newReplicaSetReplicas(d, List.of(old, one), one)).isEqualTo(1); // total already 4
        ReplicaSet shrunk = rs(2, 2);
        assertThat(RolloutMath.newReplicaSetReplicas(d, List.of(shrunk, one), one)).isEqualTo(2);
    }

    @Test
    void oldReplicaSetsShrinkOnlyWithinTheUnavailabilityBudget() {
        Deployment d = deployment(3, new IntOrString(1), new IntOrString(0));
        ReplicaSet old = rs(3, 3);
        ReplicaSet notYetAvailable = rs(1, 0);
        // 4 pods, 3 must stay available, the new one is not available yet: nothing may go.
        assertThat(RolloutMath.maxScaledDown(d, List.of(old, notYetAvailable), notYetAvailable)).isZero();
        ReplicaSet available = rs(1, 1);
        assertThat(RolloutMath.maxScaledDown(d, List.of(old, available), available)).isEqualTo(1);
    }

    /**
     * Simulates a whole rollout step by step with pods becoming available one step after they are asked for,
     * and checks the Kubernetes promises at every step: never more than replicas + maxSurge pods, never fewer
     * than replicas - maxUnavailable available, and it finishes.
     */
    @ParameterizedTest(name = "replicas={0} surge={1} unavailable={2}")
    @MethodSource("bounds")
    void aSimulatedRolloutNeverBreaksItsBounds(int replicas, IntOrString surge, IntOrString unavailable,
                                               int expectedSurge, int expectedUnavailable) {
        Deployment d = deployment(replicas, surge, unavailable);
        int oldReplicas = replicas;
        int oldAvailable = replicas;
        int newReplicas = 0;
        int newAvailable = 0;
        for (int step = 0; step < 200 && (oldReplicas > 0 || newAvailable < replicas); step++) {
            ReplicaSet oldRs = rs(oldReplicas, oldAvailable);
            ReplicaSet newRs = rs(newReplicas, newAvailable);
            newReplicas = RolloutMath.newReplicaSetReplicas(d, List.of(oldRs, newRs), newRs);
            newRs = rs(newReplicas, newAvailable);
            int budget = RolloutMath.maxScaledDown(d, List.of(oldRs, newRs), newRs);
            int availableNow = oldAvailable + newAvailable;
            int minAvailable = replicas - expectedUnavailable;
            int down = Math.min(oldReplicas, Math.max(0, Math.min(budget, availableNow - minAvailable)));
            oldReplicas -= down;
            oldAvailable = Math.min(oldAvailable, oldReplicas);
            assertThat(oldReplicas + newReplicas).as("step %d total pods", step).isLessThanOrEqualTo(replicas + expectedSurge);
            assertThat(oldAvailable + newAvailable).as("step %d available", step).isGreaterThanOrEqualTo(minAvailable);
            newAvailable = newReplicas; // pods become available by the next step
        }
        assertThat(oldReplicas).isZero();
        assertThat(newAvailable).isEqualTo(replicas);
    }
}
