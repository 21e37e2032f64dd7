package io.kaji.scheduler.plugins.interpodaffinity;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InterPodAffinityTest {

    private static Node node(String name, String zone) {
        return Fixtures.node(name, "4", "8Gi").editMetadata().addToLabels("topology.kubernetes.io/zone", zone)
                .endMetadata().build();
    }

    private static Pod labelled(String name, String app) {
        return new PodBuilder(Fixtures.pod(name)).editMetadata().addToLabels("app", app).endMetadata().build();
    }

    private static io.fabric8.kubernetes.api.model.PodAffinityTerm term(String app, String key) {
        return new PodAffinityTermBuilder().withTopologyKey(key)
                .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("app", app).build()).build();
    }

    private static Pod antiAffinity(String name, String app, String against, String key) {
        return new PodBuilder(labelled(name, app)).editSpec().withNewAffinity().withNewPodAntiAffinity()
                .addToRequiredDuringSchedulingIgnoredDuringExecution(term(against, key))
                .endPodAntiAffinity().endAffinity().endSpec().build();
    }

    private static Pod affinity(String name, String app, String with, String key) {
        return new PodBuilder(labelled(name, app)).editSpec().withNewAffinity().withNewPodAffinity()
                .addToRequiredDuringSchedulingIgnoredDuringExecution(term(with, key))
                .endPodAffinity().endAffinity().endSpec().build();
    }

    /** n1 (zone a) runs a "db" pod; n2 (zone a) and n3 (zone b) are empty. */
    private static List<NodeInfo> cluster(Pod onN1) {
        return List.of(NodeInfo.of(node("n1", "a"), Fixtures.on(onN1, "n1")), NodeInfo.of(node("n2", "a")),
                NodeInfo.of(node("n3", "b")));
    }

    private static Status filter(Pod pod, List<NodeInfo> nodes, String node) {
        InterPodAffinity plugin = new InterPodAffinity();
        CycleState state = new CycleState(new Snapshot(nodes));
        Status pre = plugin.preFilter(state, pod);
        if (pre.isSkip()) {
            return Status.success();
        }
        return plugin.filter(state, pod, nodes.stream().filter(n -> n.name().equals(node)).findFirst().orElseThrow());
    }

    @ParameterizedTest(name = "{0} {1} against db via {2} on {3} -> {4}")
    @CsvSource({
            "anti, web, kubernetes.io/hostname, n1, UNSCHEDULABLE",
            "anti, web, kubernetes.io/hostname, n2, SUCCESS",
            "anti, web, topology.kubernetes.io/zone, n2, UNSCHEDULABLE",
            "anti, web, topology.kubernetes.io/zone, n3, SUCCESS",
            "affinity, web, topology.kubernetes.io/zone, n2, SUCCESS",
            "affinity, web, topology.kubernetes.io/zone, n3, UNSCHEDULABLE_AND_UNRESOLVABLE",
            "affinity, web, kubernetes.io/hostname, n1, SUCCESS"})
    void requiredTermsOfTheIncomingPod(String kind, String app, String key, String node, Status.Code expected) {
        Pod pod = kind.equals("anti") ? antiAffinity("p", app, "db", key) : affinity("p", app, "db", key);
        Status s = filter(pod, cluster(labelled("db-0", "db")), node);
        assertThat(s.code()).isEqualTo(expected);
        if (expected == Status.Code.UNSCHEDULABLE) {
            assertThat(s.reasons()).containsExactly("node(s) didn't match pod anti-affinity rules");
        } else if (!s.isSuccess()) {
            assertThat(s.reasons()).containsExactly("node(s) didn't match pod affinity rules");
        }
    }

    @Test
    void existingPodsAntiAffinityKeepsMatchingPodsAway() {
        List<NodeInfo> nodes = cluster(antiAffinity("db-0", "db", "web", "topology.kubernetes.io/zone"));
        assertThat(filter(labelled("w", "web"), nodes, "n2").reasons())
                .containsExactly("node(s) didn't satisfy existing pods anti-affinity rules");
        assertThat(filter(labelled("w", "web"), nodes, "n3").isSuccess()).isTrue();
        assertThat(filter(labelled("x", "other"), nodes, "n1").isSuccess()).isTrue();
    }

    @Test
    void theFirstPodOfAGroupThatSelectsItselfMayGoAnywhere() {
        Pod first = affinity("c-0", "cache", "cache", "kubernetes.io/hostname");
        List<NodeInfo> nodes = cluster(labelled("db-0", "db"));
        assertThat(filter(first, nodes, "n3").isSuccess()).isTrue();
    }

    @Test
    void preferredAntiAffinityScoresNodesWithoutMatchingPodsHigher() {
        Pod pod = new PodBuilder(labelled("p", "web")).editSpec().withNewAffinity().withNewPodAntiAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(100)
                .withPodAffinityTerm(term("web", "kubernetes.io/hostname"))
                .endPreferredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity().endAffinity().endSpec().build();
        List<NodeInfo> nodes = cluster(labelled("web-0", "web"));
        InterPodAffinity plugin = new InterPodAffinity();
        CycleState state = new CycleState(new Snapshot(nodes));
        assertThat(plugin.preScore(state, pod, nodes).isSuccess()).isTrue();
        long[] s = nodes.stream().mapToLong(n -> plugin.score(state, pod, n)).toArray();
        plugin.normalize(state, pod, nodes, s);
        assertThat(s).containsExactly(0, 100, 100);
    }
}
