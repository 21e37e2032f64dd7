package io.kaji.scheduler.framework;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.Fixtures;
import org.junit.jupiter.api.Test;

class NodeInfoTest {

    private static Pod pod(String uid, String cpu, String memory) {
        return Fixtures.pod(uid, cpu, memory).editMetadata().withUid(uid).endMetadata().build();
    }

    /** The amounts kept as fields always equal the Resources objects they mirror. */
    private static void assertMirrors(NodeInfo n) {
        for (int i = Resources.CPU_INDEX; i <= Resources.PODS_INDEX; i++) {
            assertThat(n.allocatable(i)).as("allocatable %d", i).isEqualTo(n.allocatable().standard(i));
            assertThat(n.requested(i)).as("requested %d", i).isEqualTo(n.requested().standard(i));
            assertThat(n.nonZeroRequested(i)).as("nonZeroRequested %d", i)
                    .isEqualTo(n.nonZeroRequested().standard(i));
        }
    }

    @Test
    void theStandardAmountsFollowEveryChangeAndEveryCopy() {
        NodeInfo n = new NodeInfo(Fixtures.node("n1", "4", "8Gi").build());
        assertMirrors(n);
        assertThat(n.allocatable(Resources.CPU_INDEX)).isEqualTo(4000);
        n.addPod(PodInfo.of(pod("a", "500m", "1Gi")));
        n.addPod(PodInfo.of(pod("b", "250m", "512Mi")));
        assertMirrors(n);
        assertThat(n.requested(Resources.CPU_INDEX)).isEqualTo(750);
        assertThat(n.requested(Resources.PODS_INDEX)).isEqualTo(2);
        NodeInfo copy = n.copy();
        assertThat(n.removePod("a")).isTrue();
        assertMirrors(n);
        assertThat(n.requested(Resources.CPU_INDEX)).isEqualTo(250);
        assertMirrors(copy);
        assertThat(copy.requested(Resources.CPU_INDEX)).as("a copy keeps what it was taken with").isEqualTo(750);
        n.setNode(Fixtures.node("n1", "8", "16Gi").build());
        assertMirrors(n);
        assertThat(n.allocatable(Resources.CPU_INDEX)).isEqualTo(8000);
        n.clearNode();
        assertMirrors(n);
        assertThat(n.allocatable(Resources.MEMORY_INDEX)).isZero();
        assertThat(n.requested(Resources.CPU_INDEX)).as("its pods stay").isEqualTo(250);
    }

    @Test
    void labelsAreTheNodesWithEqualStringsSharedAcrossNodesAndFollowTheNode() {
        // Strings built at run time, as a JSON decoder builds them: equal, but distinct objects per node.
        String zoneA1 = new String("zone-a");
        String zoneA2 = new String("zone-a");
        NodeInfo a = new NodeInfo(Fixtures.node("a", "4", "8Gi").editMetadata()
                .addToLabels(new String("topology.kubernetes.io/zone"), zoneA1).endMetadata().build());
        NodeInfo b = new NodeInfo(Fixtures.node("b", "4", "8Gi").editMetadata()
                .addToLabels(new String("topology.kubernetes.io/zone"), zoneA2).endMetadata().build());

        assertThat(a.labels()).isEqualTo(a.node().getMetadata().getLabels())
                .containsEntry("topology.kubernetes.io/zone", "zone-a");
        assertThat(a.labels().get("topology.kubernetes.io/zone"))
                .as("one object for the value on every node").isSameAs(b.labels().get("topology.kubernetes.io/zone"))
                .isSameAs("zone-a");
        assertThat(a.labels().keySet()).allSatisfy(k -> assertThat(k).isSameAs(k.intern()));
        assertThat(a.copy().labels()).isSameAs(a.labels());

        a.setNode(Fixtures.node("a", "4", "8Gi").editMetadata().addToLabels("topology.kubernetes.io/zone", "zone-b")
                .endMetadata().build());
        assertThat(a.labels()).containsEntry("topology.kubernetes.io/zone", "zone-b");
        a.clearNode();
        assertThat(a.labels()).isEmpty();
    }
}
