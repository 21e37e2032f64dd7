package io.kaji.scheduler.plugins.noderesources;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PluginArgs;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NodeResourcesFitTest {

    /** A 4-core, 8Gi node with 3 pods allowed, one example.com/gpu, and a 3-core, 2Gi pod on it. */
    private static NodeInfo busyNode() {
        Node node = Fixtures.node("n1", "4", "8Gi").editStatus()
                .addToAllocatable("pods", new Quantity("3")).addToAllocatable("example.com/gpu", new Quantity("1"))
                .endStatus().build();
        return NodeInfo.of(node, Fixtures.on(Fixtures.pod("existing", "3", "2Gi").build(), "n1"));
    }

    private static Pod gpuPod(String gpus) {
        return new PodBuilder(Fixtures.pod("g", null, null).build()).editSpec().editFirstContainer().withNewResources()
                .addToRequests("example.com/gpu", new Quantity(gpus)).endResources().endContainer().endSpec().build();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("fits", Fixtures.pod("p", "1", "1Gi").build(), Status.Code.SUCCESS, List.of()),
                Arguments.of("no requests", Fixtures.pod("p"), Status.Code.SUCCESS, List.of()),
                Arguments.of("cpu short", Fixtures.pod("p", "1500m", null).build(), Status.Code.UNSCHEDULABLE,
                        List.of("Insufficient cpu")),
                Arguments.of("cpu and memory short", Fixtures.pod("p", "2", "7Gi").build(), Status.Code.UNSCHEDULABLE,
                        List.of("Insufficient cpu", "Insufficient memory")),
                Arguments.of("more than the node has", Fixtures.pod("p", "5", null).build(),
                        Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE, List.of("Insufficient cpu")),
                Arguments.of("extended resource fits", gpuPod("1"), Status.Code.SUCCESS, List.of()),
                Arguments.of("extended resource short", gpuPod("2"), Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                        List.of("Insufficient example.com/gpu")),
                Arguments.of("init container peak", new PodBuilder(Fixtures.pod("p", "100m", null).build()).editSpec()
                        .addToInitContainers(Fixtures.container("init", "2")).endSpec().build(),
                        Status.Code.UNSCHEDULABLE, List.of("Insufficient cpu")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void filterComparesRequestsWithWhatIsLeft(String name, Pod pod, Status.Code code, List<String> reasons) {
        NodeResourcesFit fit = NodeResourcesFit.from(PluginArgs.NONE);
        NodeInfo node = busyNode();
        CycleState state = new CycleState(Snapshot.of(node));
        fit.preFilter(state, pod);
        Status s = fit.filter(state, pod, node);
        assertThat(s.code()).isEqualTo(code);
        assertThat(s.reasons()).isEqualTo(reasons);
    }

    @Test
    void tooManyPods() {
        NodeInfo node = busyNode();
        node.addPod(io.kaji.scheduler.framework.PodInfo.of(Fixtures.on(Fixtures.pod("a"), "n1")));
        node.addPod(io.kaji.scheduler.framework.PodInfo.of(Fixtures.on(Fixtures.pod("b"), "n1")));
        Status s = NodeResourcesFit.from(PluginArgs.NONE).filter(new CycleState(Snapshot.of(node)), Fixtures.pod("p"), node);
        assertThat(s.reasons()).containsExactly("Too many pods");
    }

    @Test
    void leastAllocatedPrefersTheEmptierNodeAndMostAllocatedTheFuller() {
        NodeInfo empty = new NodeInfo(Fixtures.node("empty", "4", "8Gi").build());
        NodeInfo busy = busyNode();
        Pod pod = Fixtures.pod("p", "1", "2Gi").build();
        CycleState state = new CycleState(Snapshot.of(empty, busy));
        NodeResourcesFit least = NodeResourcesFit.from(PluginArgs.NONE);
        // empty: cpu (4-1)/4=75, memory (8-2)/8=75 -> 75; busy: cpu 0, memory (8-4)/8=50 -> 25
        assertThat(least.score(state, pod, empty)).isEqualTo(75);
        assertThat(least.score(state, pod, busy)).isEqualTo(25);
        NodeResourcesFit most = NodeResourcesFit.from(new PluginArgs(Map.of("scoringStrategy",
                Map.of("type", "MostAllocated", "resources", List.of(Map.of("name", "cpu", "weight", 1))))));
        assertThat(most.score(state, pod, empty)).isEqualTo(25);
        assertThat(most.score(state, pod, busy)).isEqualTo(100);
    }

    private static NodeResourcesFit ratio(List<Map<String, Object>> shape, List<Map<String, Object>> resources) {
        return NodeResourcesFit.from(new PluginArgs(Map.of("scoringStrategy", Map.of(
                "type", "RequestedToCapacityRatio", "resources", resources,
                "requestedToCapacityRatio", Map.of("shape", shape)))));
    }

    static Stream<Arguments> ratioCases() {
        // empty node 4 cpu / 8Gi; busy node has 3 cpu / 2Gi requested; the pod asks 1 cpu / 2Gi
        var binPack = List.<Map<String, Object>>of(Map.of("utilization", 0, "score", 0),
                Map.of("utilization", 100, "score", 10));
        var spread = List.<Map<String, Object>>of(Map.of("utilization", 0, "score", 10),
                Map.of("utilization", 100, "score", 0));
        var steps = List.<Map<String, Object>>of(Map.of("utilization", 30, "score", 2),
                Map.of("utilization", 60, "score", 8));
        var cpu = List.<Map<String, Object>>of(Map.of("name", "cpu", "weight", 1));
        var both = List.<Map<String, Object>>of(Map.of("name", "cpu", "weight", 3), Map.of("name", "memory", "weight", 1));
        return Stream.of(
                // cpu 25% on the empty node, 100% on the busy one
                Arguments.of("bin-pack cpu", binPack, cpu, 25L, 100L),
                Arguments.of("spread cpu", spread, cpu, 75L, 0L),
                // 25% is below the first point: flat 20; 100% is above the last: flat 80
                Arguments.of("steps cpu", steps, cpu, 20L, 80L),
                // empty: cpu 25, memory 25 -> 25; busy: cpu 100 (weight 3), memory 50 -> (300 + 50) / 4 = 87.5 -> 88
                Arguments.of("weighted bin-pack", binPack, both, 25L, 88L),
                // busy: cpu scores 0 and does not count, memory 50 -> 50 (Kubernetes skips zero scores)
                Arguments.of("zero scores do not count", spread, both, 75L, 50L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ratioCases")
    void requestedToCapacityRatioFollowsTheShape(String name, List<Map<String, Object>> shape,
                                                  List<Map<String, Object>> resources, long emptyScore, long busyScore) {
        NodeInfo empty = new NodeInfo(Fixtures.node("empty", "4", "8Gi").build());
        NodeInfo busy = busyNode();
        Pod pod = Fixtures.pod("p", "1", "2Gi").build();
        CycleState state = new CycleState(Snapshot.of(empty, busy));
        NodeResourcesFit fit = ratio(shape, resources);
        assertThat(fit.score(state, pod, empty)).isEqualTo(emptyScore);
        assertThat(fit.score(state, pod, busy)).isEqualTo(busyScore);
    }

    @Test
    void shapesAreValidatedWithKubernetesMessages() {
        var cpu = List.<Map<String, Object>>of(Map.of("name", "cpu", "weight", 1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ratio(List.of(), cpu))
                .hasMessageContaining("shape: Required value");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ratio(List.of(Map.of("utilization", 50, "score", 1),
                Map.of("utilization", 40, "score", 2)), cpu)).hasMessageContaining("shape[1].utilization")
                .hasMessageContaining("increasing order");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ratio(List.of(Map.of("utilization", 50, "score", 11)),
                cpu)).hasMessageContaining("shape[0].score: Invalid value: 11");
    }
}
