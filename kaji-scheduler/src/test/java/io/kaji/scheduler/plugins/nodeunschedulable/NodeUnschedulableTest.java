package io.kaji.scheduler.plugins.nodeunschedulable;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeUnschedulableTest {

    @ParameterizedTest(name = "cordoned={0}, tolerates={1} -> {2}")
    @CsvSource({"false, false, SUCCESS", "true, false, UNSCHEDULABLE_AND_UNRESOLVABLE", "true, true, SUCCESS"})
    void cordonedNodesTakeOnlyPodsThatTolerateIt(boolean cordoned, boolean tolerates, Status.Code expected) {
        var node = Fixtures.node("n1", "4", "8Gi").editSpec().withUnschedulable(cordoned).endSpec().build();
        var pod = new PodBuilder(Fixtures.pod("p"));
        if (tolerates) {
            pod.editSpec().addNewToleration().withKey("node.kubernetes.io/unschedulable").withOperator("Exists")
                    .withEffect("NoSchedule").endToleration().endSpec();
        }
        Status s = new NodeUnschedulable().filter(new CycleState(Snapshot.of()), pod.build(), new NodeInfo(node));
        assertThat(s.code()).isEqualTo(expected);
        if (!s.isSuccess()) {
            assertThat(s.reasons()).containsExactly("node(s) were unschedulable");
        }
    }

    @Test
    void aCordonOrUncordonOfAKnownNodeIsSeenInItsNodeInfoAndItsCopies() {
        var node = Fixtures.node("n1", "4", "8Gi").build();
        var pod = Fixtures.pod("p");
        NodeInfo info = new NodeInfo(node);
        NodeUnschedulable plugin = new NodeUnschedulable();
        assertThat(plugin.filter(new CycleState(Snapshot.of()), pod, info).isSuccess()).isTrue();
        info.setNode(Fixtures.node("n1", "4", "8Gi").editSpec().withUnschedulable(true).endSpec().build());
        NodeInfo snapshotCopy = info.copy();
        assertThat(plugin.filter(new CycleState(Snapshot.of()), pod, snapshotCopy).isSuccess()).isFalse();
        info.setNode(node);
        assertThat(plugin.filter(new CycleState(Snapshot.of()), pod, info).isSuccess()).isTrue();
        assertThat(plugin.filter(new CycleState(Snapshot.of()), pod, snapshotCopy).isSuccess())
                .as("a snapshot's copy keeps what it was taken with").isFalse();
        info.clearNode();
        assertThat(info.unschedulable()).isFalse();
        assertThat(info.taints()).isEmpty();
    }
}
