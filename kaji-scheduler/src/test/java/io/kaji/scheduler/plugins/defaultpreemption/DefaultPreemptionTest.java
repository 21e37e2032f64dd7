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

    private static Pod labeled(String name, String cpu, int priority, String app) {
        return new PodBuilder(pod(name, cpu, priority)).editMetadata().addToLabels("app", app).endMetadata().build();
    }

    private static io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget budget(String app, int allowed,
                                                                                         String... disrupted) {
        var b = new io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder().withNewMetadata()
                .withName(app).withNamespace("default").endMetadata().withNewSpec().withNewSelector()
                .addToMatchLabels("app", app).endSelector().endSpec().withNewStatus()
                .withDisruptionsAllowed(allowed).endStatus();
        for (String d : disrupted) {
            b.editStatus().addToDisruptedPods(d, "2026-01-01T00:00:00Z").endStatus();
        }
        return b.build();
    }

    @Test
    void prefersTheNodeWhoseVictimsViolateNoBudget() {
        // Same priorities on both nodes; only n1's victim is protected by a budget with no disruptions left.
        NodeInfo n1 = NodeInfo.of(Fixtures.node("n1"), Fixtures.on(labeled("db-0", "3", 10, "db"), "n1"));
        NodeInfo n2 = NodeInfo.of(Fixtures.node("n2"), Fixtures.on(labeled("web-0", "3", 10, "web"), "n2"));
        var withBudgets = new DefaultPreemption(fit::filter,
                (victim, preemptor) -> evicted.add(victim.getMetadata().getName()), () -> List.of(budget("db", 0)));
        PostFilterPlugin.Result r = withBudgets.postFilter(new CycleState(Snapshot.of(n1, n2)), pod("p", "3", 1000),
                Map.of("n1", Status.unschedulable("Insufficient cpu"), "n2", Status.unschedulable("Insufficient cpu")));
        assertThat(r.nominatedNodeName()).isEqualTo("n2");
        assertThat(evicted).containsExactly("web-0");
    }

    @Test
    void reprievesBudgetedPodsFirstOnANode() {
        // Either pod alone makes room; the one a budget protects stays although it has the lower priority.
        NodeInfo n1 = NodeInfo.of(Fixtures.node("n1"), Fixtures.on(labeled("db-0", "2", 5, "db"), "n1"),
                Fixtures.on(labeled("web-0", "2", 10, "web"), "n1"));
        var withBudgets = new DefaultPreemption(fit::filter,
                (victim, preemptor) -> evicted.add(victim.getMetadata().getName()), () -> List.of(budget("db", 0)));
        PostFilterPlugin.Result r = withBudgets.postFilter(new CycleState(Snapshot.of(n1)), pod("p", "2", 1000),
                Map.of("n1", Status.unschedulable("Insufficient cpu")));
        assertThat(r.nominatedNodeName()).isEqualTo("n1");
        assertThat(evicted).containsExactly("web-0");
    }

    @Test
    void aBudgetIsViolatedWhenNothingElseMakesRoom() {
        NodeInfo n1 = NodeInfo.of(Fixtures.node("n1"), Fixtures.on(labeled("db-0", "3", 5, "db"), "n1"));
        var withBudgets = new DefaultPreemption(fit::filter,
                (victim, preemptor) -> evicted.add(victim.getMetadata().getName()), () -> List.of(budget("db", 0)));
        PostFilterPlugin.Result r = withBudgets.postFilter(new CycleState(Snapshot.of(n1)), pod("p", "3", 1000),
                Map.of("n1", Status.unschedulable("Insufficient cpu")));
        assertThat(r.nominatedNodeName()).isEqualTo("n1");
        assertThat(evicted).containsExactly("db-0");
    }

    @Test
    void budgetsCountAllowedDisruptionsAndSkipAlreadyDisruptedPods() {
        var pods = List.of(io.kaji.scheduler.framework.PodInfo.of(labeled("a", "1", 5, "db")),
                io.kaji.scheduler.framework.PodInfo.of(labeled("b", "1", 5, "db")),
                io.kaji.scheduler.framework.PodInfo.of(labeled("c", "1", 5, "db")),
                io.kaji.scheduler.framework.PodInfo.of(labeled("w", "1", 5, "web")));
        List<io.kaji.scheduler.framework.PodInfo> violating = new ArrayList<>();
        List<io.kaji.scheduler.framework.PodInfo> fine = new ArrayList<>();
        // one disruption allowed; b is already being disrupted and does not use it
        DefaultPreemption.splitByBudget(pods, List.of(budget("db", 1, "b")), violating, fine);
        assertThat(violating).extracting(p -> p.pod().getMetadata().getName()).containsExactly("c");
        assertThat(fine).extracting(p -> p.pod().getMetadata().getName()).containsExactly("a", "b", "w");
    }
}
