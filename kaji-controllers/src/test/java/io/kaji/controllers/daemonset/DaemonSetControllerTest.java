package io.kaji.controllers.daemonset;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DaemonSetControllerTest {

    private static DaemonSet ds(Map<String, String> nodeSelector) {
        return new DaemonSetBuilder().withNewMetadata().withName("agent").withNamespace("kube-system").withUid("u1").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "agent").endMetadata()
                .withNewSpec().withNodeSelector(nodeSelector).addNewContainer().withName("c").withImage("busybox:1")
                .endContainer().endSpec().endTemplate().endSpec().build();
    }

    private static Node node(String name, Map<String, String> labels, String taintKey, String effect) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata();
        if (taintKey != null) {
            b.withNewSpec().addNewTaint().withKey(taintKey).withEffect(effect).endTaint().endSpec();
        }
        return b.build();
    }

    @Test
    void eligibilityFollowsSelectorAndTaints() {
        assertThat(DaemonSetController.shouldRun(ds(null), node("a", Map.of(), null, null), false)).isTrue();
        assertThat(DaemonSetController.shouldRun(ds(Map.of("disk", "ssd")), node("a", Map.of("disk", "hdd"), null, null), false)).isFalse();
        assertThat(DaemonSetController.shouldRun(ds(Map.of("disk", "ssd")), node("a", Map.of("disk", "ssd"), null, null), false)).isTrue();
        assertThat(DaemonSetController.shouldRun(ds(null), node("a", Map.of(), "dedicated", "NoSchedule"), false)).isFalse();
        assertThat(DaemonSetController.shouldRun(ds(null), node("a", Map.of(), "dedicated", "PreferNoSchedule"), false)).isTrue();
        // Daemon pods tolerate a node that is unreachable or cordoned, as in Kubernetes.
        assertThat(DaemonSetController.shouldRun(ds(null), node("a", Map.of(), "node.kubernetes.io/unreachable", "NoExecute"), false)).isTrue();
        assertThat(DaemonSetController.shouldRun(ds(null), node("a", Map.of(), "node.kubernetes.io/unschedulable", "NoSchedule"), false)).isTrue();
        // A NoSchedule taint keeps new daemon pods away but does not remove a running one.
        assertThat(DaemonSetController.shouldRun(ds(null), node("a", Map.of(), "node.kubernetes.io/unreachable", "NoSchedule"), false)).isFalse();
        assertThat(DaemonSetController.shouldRun(ds(null), node("a", Map.of(), "node.kubernetes.io/unreachable", "NoSchedule"), true)).isTrue();
    }

    @Test
    void podsArePinnedToTheirNodeThroughNodeAffinity() {
        Pod p = DaemonSetController.podFor(ds(null), "node-7", "hash1");
        assertThat(p.getSpec().getNodeName()).isNull();
        assertThat(DaemonSetController.targetNode(p)).isEqualTo("node-7");
        assertThat(p.getMetadata().getLabels()).containsEntry(DaemonSetController.HASH_LABEL, "hash1").containsEntry("app", "agent");
        assertThat(p.getSpec().getTolerations()).anySatisfy(t -> assertThat(t.getKey()).isEqualTo("node.kubernetes.io/unreachable"));
        assertThat(p.getMetadata().getOwnerReferences()).singleElement().satisfies(r -> assertThat(r.getController()).isTrue());
    }
}
