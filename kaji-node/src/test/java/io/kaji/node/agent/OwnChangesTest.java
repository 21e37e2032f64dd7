package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.kaji.node.runtime.ContainerState;
import org.junit.jupiter.api.Test;

/** Which runtime changes and pod updates make the agent sync a pod again. */
class OwnChangesTest {

    @Test
    void theWorkersOwnStartsAreNotSyncedAgainButWhatFollowsIs() {
        OwnChanges own = new OwnChanges();
        own.sandboxReady("s1");
        own.containerCreated("c1");
        assertThat(own.expected("s1", OwnChanges.SANDBOX_READY)).isTrue();
        assertThat(own.expected("c1", OwnChanges.CREATED)).isTrue();
        own.containerStarted("c1");
        assertThat(own.expected("c1", OwnChanges.RUNNING)).isTrue();
        assertThat(own.size()).as("final states seen: nothing left to expect").isZero();
        // The container exits later: not the worker's doing.
        assertThat(own.expected("c1", ContainerState.EXITED.name())).isFalse();
        assertThat(own.expected("s1", OwnChanges.SANDBOX_NOT_READY)).isFalse();
    }

    @Test
    void anUnexpectedStateIsSyncedAndForgetsTheExpectation() {
        OwnChanges own = new OwnChanges();
        own.containerStarted("c2");
        // It crashed before the relist ever saw it running.
        assertThat(own.expected("c2", ContainerState.EXITED.name())).isFalse();
        assertThat(own.size()).isZero();
        assertThat(own.expected("c2", OwnChanges.RUNNING)).isFalse();

        own.containerStarted("c3");
        assertThat(own.expected("c3", OwnChanges.CREATED)).as("seen between create and start").isTrue();
        assertThat(own.size()).as("running still to come").isEqualTo(1);
        own.gone("c3");
        assertThat(own.size()).isZero();
        assertThat(own.expected("never", OwnChanges.RUNNING)).isFalse();

        // A container removed before any relist saw it leaves no expectation behind for long.
        own.containerCreated("c4");
        own.expire(System.nanoTime());
        assertThat(own.size()).isEqualTo(1);
        own.expire(System.nanoTime() + OwnChanges.MAX_AGE_NANOS + 1);
        assertThat(own.size()).isZero();
    }

    private static Pod pod() {
        return new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("u1")
                .addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("busybox").endContainer().endSpec()
                .withNewStatus().withPhase("Pending").endStatus().build();
    }

    @Test
    void aStatusOnlyUpdateNeedsNoPassUnlessReadinessGatesDecide() {
        Pod old = pod();
        Pod running = new PodBuilder(old).editStatus().withPhase("Running").endStatus().editMetadata()
                .withResourceVersion("7").endMetadata().build();
        assertThat(NodeAgent.statusOnly(old, running)).isTrue();

        assertThat(NodeAgent.statusOnly(old, new PodBuilder(old).editMetadata().withDeletionTimestamp(
                "2026-01-01T00:00:00Z").withDeletionGracePeriodSeconds(30L).endMetadata().build())).isFalse();
        assertThat(NodeAgent.statusOnly(old, new PodBuilder(old).editMetadata().addToLabels("tier", "x")
                .endMetadata().build())).isFalse();
        assertThat(NodeAgent.statusOnly(old, new PodBuilder(old).editMetadata().addToAnnotations("a", "b")
                .endMetadata().build())).isFalse();
        assertThat(NodeAgent.statusOnly(old, new PodBuilder(old).editSpec().editFirstContainer()
                .withImage("busybox:2").endContainer().endSpec().build())).isFalse();
        assertThat(NodeAgent.statusOnly(old, new PodBuilder(old).editMetadata().withUid("u2").endMetadata().build()))
                .as("a new pod of the same name").isFalse();

        Pod gated = new PodBuilder(old).editSpec().addNewReadinessGate().withConditionType("example.com/ready")
                .endReadinessGate().endSpec().build();
        Pod gateTrue = new PodBuilder(gated).editStatus().addToConditions(new PodConditionBuilder()
                .withType("example.com/ready").withStatus("True").build()).endStatus().build();
        assertThat(NodeAgent.statusOnly(gated, gateTrue)).isFalse();
        assertThat(NodeAgent.statusOnly(null, running)).isFalse();
    }
}
