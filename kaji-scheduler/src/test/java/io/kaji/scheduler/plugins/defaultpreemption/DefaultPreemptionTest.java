package io.kaji.scheduler.plugins.defaultpreemption;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PluginArgs;
import io.kaji.scheduler.framework.PostFilterPlugin;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import io.kaji.scheduler.plugins.noderesources.NodeResourcesFit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DefaultPreemptionTest {

    private static Pod pod(String name, String cpu, int priority) {
        return new PodBuilder(Fixtures.pod(name, cpu, null).build()).editSpec().withPriority(priority).endSpec().build();
    }

    private final NodeResourcesFit fit = NodeResourcesFit.from(PluginArgs.NONE);
    private final List<String> evicted = new ArrayList<>();
    private final DefaultPreemption preemption = new DefaultPreemption(fit::filter,
            (victim, preemptor) -> evicted.add(victim.getMetadata().getName()));

    @Test
    void evictsTheFewestLowestPriorityPodsOnTheCheapestNode() {
        // n1: 2 + 2 cores at priority 10 and 5; n2: 3 cores at priority 100. The pod wants 3 of 4 cores.
        NodeInfo n1 = NodeInfo.of(Fixtures.node("n1"), Fixtures.on(pod("a", "2", 10), "n1"), Fixtures.on(pod("b", "2", 5), "n1"));
        NodeInfo n2 = NodeInfo.of(Fixtures.node("n2"), Fixtures.on(pod("c", "3", 100), "n2"));
        Pod incoming = pod("p", "3", 1000);
        CycleState state = new CycleState(Snapshot.of(n1, n2));
        PostFilterPlugin.Result r = preemption.postFilter(state, incoming,
                Map.of("n1", Status.unschedulable("Insufficient cpu"), "n2", Status.unschedulable("Insufficient cpu")));
        assertThat(r.status().isSuccess()).isTrue();
        assertThat(r.nominatedNodeName()).isEqualTo("n1");
        assertThat(evicted).containsExactlyInAnyOrder("a", "b"); // 3 cores need both gone
    }

    @Test
    void reprievesVictimsThatNeedNotGo() {
        NodeInfo n1 = NodeInfo.of(Fixtures.node("n1"), Fixtures.on(pod("a", "2", 10), "n1"), Fixtures.on(pod("b", "2", 5), "n1"));
        PostFilterPlugin.Result r = preemption.postFilter(new CycleState(Snapshot.of(n1)), pod("p", "2", 1000),
                Map.of("n1", Status.unschedulable("Insufficient cpu")));
        assertThat(r.nominatedNodeName()).isEqualTo("n1");
        assertThat(evicted).containsExactly("b"); // the lower priority one goes, a is reprieved
    }

    @Test
    void explainsWhyPreemptionCannotHelp() {
        NodeInfo n1 = NodeInfo.of(Fixtures.node("n1"), Fixtures.on(pod("a", "3", 1000), "n1"));
        NodeInfo n2 = NodeInfo.of(Fixtures.node("n2"));
        PostFilterPlugin.Result r = preemption.postFilter(new CycleState(Snapshot.of(n1, n2)), pod("p", "2", 1000),
                Map.of("n1", Status.unschedulable("Insufficient cpu"),
                        "n2", Status.unresolvable("node(s) had untolerated taint {a: b}")));
        assertThat(r.status().isSuccess()).isFalse();
        assertThat(r.status().message()).isEqualTo("preemption: 0/2 nodes are available: "
                + "1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling");
        assertThat(evicted).isEmpty();

        Pod never = new PodBuilder(pod("p", "2", 1000)).editSpec().withPreemptionPolicy("Never").endSpec().build();
        assertThat(preemption.postFilter(new CycleState(Snapshot.of(n1)), never, Map.of()).status().message())
                .isEqualTo("preemption: not eligible due to preemptionPolicy=Never");
    }
}
