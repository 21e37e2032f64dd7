package io.kaji.scheduler.plugins.nodeaffinity;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NodeAffinityTest {

    private static Pod required(String key, String op, String... values) {
        return new PodBuilder(Fixtures.pod("p")).editSpec().withNewAffinity().withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm()
                .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey(key).withOperator(op)
                        .withValues(values).build())
                .endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity().endAffinity().endSpec().build();
    }

    private static Pod selector(Map<String, String> sel) {
        return new PodBuilder(Fixtures.pod("p")).editSpec().withNodeSelector(sel).endSpec().build();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("no constraints", Fixtures.pod("p"), true),
                Arguments.of("nodeSelector matches", selector(Map.of("disk", "ssd")), true),
                Arguments.of("nodeSelector differs", selector(Map.of("disk", "hdd")), false),
                Arguments.of("In matches", required("zone", "In", "a", "b"), true),
                Arguments.of("In misses", required("zone", "In", "c"), false),
                Arguments.of("NotIn", required("zone", "NotIn", "a"), false),
                Arguments.of("Exists", required("disk", "Exists"), true),
                Arguments.of("DoesNotExist", required("gpu", "DoesNotExist"), true),
                Arguments.of("Gt", required("cores", "Gt", "8"), true),
                Arguments.of("Lt", required("cores", "Lt", "8"), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void filterHonoursNodeSelectorAndRequiredAffinity(String name, Pod pod, boolean fits) {
        var node = Fixtures.node("n1", "4", "8Gi").editMetadata()
                .addToLabels(Map.of("disk", "ssd", "zone", "a", "cores", "16")).endMetadata().build();
        Status s = new NodeAffinity().filter(new CycleState(Snapshot.of()), pod, new NodeInfo(node));
        assertThat(s.isSuccess()).isEqualTo(fits);
        if (!fits) {
            assertThat(s.code()).isEqualTo(Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
            assertThat(s.reasons()).containsExactly("node(s) didn't match Pod's node affinity/selector");
        }
    }

    @Test
    void preferredTermsScoreByWeightNormalizedToTheBest() {
        Pod pod = new PodBuilder(Fixtures.pod("p")).editSpec().withNewAffinity().withNewNodeAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(20).withNewPreference()
                .addNewMatchExpression().withKey("zone").withOperator("In").withValues("a").endMatchExpression()
                .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(80).withNewPreference()
                .addNewMatchExpression().withKey("disk").withOperator("In").withValues("ssd").endMatchExpression()
                .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity().endAffinity().endSpec().build();
        List<NodeInfo> nodes = List.of(
                new NodeInfo(Fixtures.node("both", "4", "8Gi").editMetadata().addToLabels(Map.of("zone", "a", "disk", "ssd")).endMetadata().build()),
                new NodeInfo(Fixtures.node("zone", "4", "8Gi").editMetadata().addToLabels("zone", "a").endMetadata().build()),
                new NodeInfo(Fixtures.node("none")));
        NodeAffinity plugin = new NodeAffinity();
        CycleState state = new CycleState(new Snapshot(nodes));
        assertThat(plugin.preScore(state, pod, nodes).isSuccess()).isTrue();
        long[] scores = nodes.stream().mapToLong(n -> plugin.score(state, pod, n)).toArray();
        plugin.normalize(state, pod, nodes, scores);
        assertThat(scores).containsExactly(100, 20, 0);
        assertThat(plugin.preScore(state, Fixtures.pod("q"), nodes).isSkip()).isTrue();
    }
}
