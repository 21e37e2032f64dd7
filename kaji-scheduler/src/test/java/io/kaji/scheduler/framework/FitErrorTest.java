package io.kaji.scheduler.framework;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FitErrorTest {

    @Test
    void messageHasKubernetesShapeWithSortedHistogramAndPreemptionPart() {
        Map<String, Status> statuses = new LinkedHashMap<>();
        statuses.put("n1", Status.unresolvable("node(s) had untolerated taint {node.kubernetes.io/unreachable: }"));
        statuses.put("n2", Status.unschedulable("Insufficient cpu"));
        statuses.put("n3", Status.unresolvable("node(s) had untolerated taint {node.kubernetes.io/unreachable: }"));
        statuses.put("n4", Status.unschedulable("Insufficient cpu"));
        statuses.put("n5", Status.unresolvable("node(s) had untolerated taint {node.kubernetes.io/unreachable: }"));
        FitError e = new FitError(5, statuses, null,
                "preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling");
        assertThat(e.message()).isEqualTo("0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated "
                + "taint {node.kubernetes.io/unreachable: }. preemption: 0/5 nodes are available: 5 Preemption is not "
                + "helpful for scheduling.");
    }

    @Test
    void oneNodeWithTwoReasonsCountsBoth() {
        FitError e = new FitError(1, Map.of("n1", Status.unschedulable("Insufficient cpu", "Insufficient memory")),
                null, null);
        assertThat(e.message()).isEqualTo("0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.");
    }

    @Test
    void preFilterRejectionIsPrintedOnceAndNoNodesHasItsOwnMessage() {
        FitError e = new FitError(3, Map.of("a", Status.unresolvable("x"), "b", Status.unresolvable("x")),
                "node(s) didn't match pod affinity rules", null);
        assertThat(e.message()).isEqualTo("0/3 nodes are available: node(s) didn't match pod affinity rules.");
        assertThat(new FitError(0, Map.of(), null, null).message()).isEqualTo("no nodes available to schedule pods");
    }
}
