package io.kaji.scheduler.plugins.tainttoleration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TaintTolerationTest {

    private static Toleration tol(String key, String op, String value, String effect) {
        return new TolerationBuilder().withKey(key).withOperator(op).withValue(value).withEffect(effect).build();
    }

    private static Pod pod(Toleration... t) {
        return new PodBuilder(Fixtures.pod("p")).editSpec().withTolerations(t).endSpec().build();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("no toleration", pod(), "NoSchedule", false),
                Arguments.of("equal key and value", pod(tol("dedicated", "Equal", "db", "NoSchedule")), "NoSchedule", true),
                Arguments.of("other value", pod(tol("dedicated", "Equal", "web", "NoSchedule")), "NoSchedule", false),
                Arguments.of("exists, any effect", pod(tol("dedicated", "Exists", null, null)), "NoExecute", true),
                Arguments.of("empty key exists tolerates all", pod(tol(null, "Exists", null, null)), "NoSchedule", true),
                Arguments.of("other effect", pod(tol("dedicated", "Exists", null, "NoExecute")), "NoSchedule", false),
                Arguments.of("PreferNoSchedule never filters", pod(), "PreferNoSchedule", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void filterRejectsUntoleratedNoScheduleAndNoExecute(String name, Pod pod, String effect, boolean fits) {
        var node = Fixtures.node("n1", "4", "8Gi").editSpec()
                .withTaints(Fixtures.taint("dedicated", "db", effect)).endSpec().build();
        Status s = new TaintToleration().filter(new CycleState(Snapshot.of()), pod, new NodeInfo(node));
        assertThat(s.isSuccess()).isEqualTo(fits);
        if (!fits) {
            assertThat(s.code()).isEqualTo(Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
            assertThat(s.reasons()).containsExactly("node(s) had untolerated taint {dedicated: db}");
        }
    }

    @Test
    void reasonPrintsAnEmptyValueLikeKubernetes() {
        assertThat(TaintToleration.reason(Fixtures.taint("node.kubernetes.io/unreachable", null, "NoExecute")))
                .isEqualTo("node(s) had untolerated taint {node.kubernetes.io/unreachable: }");
    }

    @Test
    void fewerUntoleratedPreferNoScheduleTaintsScoreHigher() {
        List<NodeInfo> nodes = List.of(
                new NodeInfo(Fixtures.node("clean")),
                new NodeInfo(Fixtures.node("one", "4", "8Gi").editSpec().withTaints(
                        Fixtures.taint("a", "1", "PreferNoSchedule")).endSpec().build()),
                new NodeInfo(Fixtures.node("two", "4", "8Gi").editSpec().withTaints(
                        Fixtures.taint("a", "1", "PreferNoSchedule"), Fixtures.taint("b", "1", "PreferNoSchedule")).endSpec().build()));
        TaintToleration plugin = new TaintToleration();
        CycleState state = new CycleState(new Snapshot(nodes));
        Pod pod = pod(tol("b", "Exists", null, "PreferNoSchedule"));
        long[] scores = nodes.stream().mapToLong(n -> plugin.score(state, pod, n)).toArray();
        assertThat(scores).containsExactly(0, 1, 1);
        plugin.normalize(state, pod, nodes, scores);
        assertThat(scores).containsExactly(100, 0, 0);
    }
}
