package io.kaji.scheduler.plugins.podtopologyspread;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PluginArgs;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PodTopologySpreadTest {

    private static Node node(String name, String zone) {
        var b = Fixtures.node(name, "4", "8Gi");
        if (zone != null) {
            b.editMetadata().addToLabels("topology.kubernetes.io/zone", zone).endMetadata();
        }
        return b.build();
    }

    private static Pod web(String name) {
        return new PodBuilder(Fixtures.pod(name)).editMetadata().addToLabels("app", "web").endMetadata().build();
    }

    private static Pod spread(String key, int maxSkew, String when) {
        return new PodBuilder(web("new")).editSpec().addNewTopologySpreadConstraint().withMaxSkew(maxSkew)
                .withTopologyKey(key).withWhenUnsatisfiable(when)
                .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("app", "web").build())
                .endTopologySpreadConstraint().endSpec().build();
    }

    /** Zone a: n1 (2 web pods), n2 (1); zone b: n3 (0); n4 has no zone label. */
    private static List<NodeInfo> cluster() {
        List<NodeInfo> nodes = new ArrayList<>();
        nodes.add(NodeInfo.of(node("n1", "a"), Fixtures.on(web("w1"), "n1"), Fixtures.on(web("w2"), "n1"),
                Fixtures.on(Fixtures.pod("other"), "n1")));
        nodes.add(NodeInfo.of(node("n2", "a"), Fixtures.on(web("w3"), "n2")));
        nodes.add(NodeInfo.of(node("n3", "b")));
        nodes.add(NodeInfo.of(node("n4", null)));
        return nodes;
    }

    @ParameterizedTest(name = "{0} maxSkew {1} on {2} -> {3}")
    @CsvSource({
            "topology.kubernetes.io/zone, 1, n1, UNSCHEDULABLE",  // zone a has 3, b has 0: 3+1-0 > 1
            "topology.kubernetes.io/zone, 1, n3, SUCCESS",
            "topology.kubernetes.io/zone, 4, n2, SUCCESS",        // 3+1-0 = 4
            "topology.kubernetes.io/zone, 1, n4, UNSCHEDULABLE_AND_UNRESOLVABLE",
            "kubernetes.io/hostname, 1, n1, UNSCHEDULABLE",       // 2+1-0 > 1
            "kubernetes.io/hostname, 1, n2, UNSCHEDULABLE",       // 1+1-0 > 1
            "kubernetes.io/hostname, 1, n4, SUCCESS",
            "kubernetes.io/hostname, 2, n2, SUCCESS"})
    void doNotScheduleConstraintsBoundTheSkew(String key, int maxSkew, String node, Status.Code expected) {
        List<NodeInfo> nodes = cluster();
        Pod pod = spread(key, maxSkew, "DoNotSchedule");
        PodTopologySpread plugin = new PodTopologySpread(OwnerSelectors.NONE, true);
        CycleState state = new CycleState(new Snapshot(nodes));
        assertThat(plugin.preFilter(state, pod).isSuccess()).isTrue();
        Status s = plugin.filter(state, pod, nodes.stream().filter(n -> n.name().equals(node)).findFirst().orElseThrow());
        assertThat(s.code()).isEqualTo(expected);
        if (expected == Status.Code.UNSCHEDULABLE) {
            assertThat(s.reasons()).containsExactly("node(s) didn't match pod topology spread constraints");
        }
        if (expected == Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE) {
            assertThat(s.reasons()).containsExactly("node(s) didn't match pod topology spread constraints (missing required label)");
        }
    }

    @Test
    void aPodThatItsOwnSelectorDoesNotMatchDoesNotCountItself() {
        List<NodeInfo> nodes = cluster();
        // Zone a has 3 web pods, zone b none: a web pod on n1 would make a skew of 4, a pod the selector does not
        // match keeps it at 3.
        Pod web = spread("topology.kubernetes.io/zone", 3, "DoNotSchedule");
        Pod api = new PodBuilder(web).editMetadata().withLabels(java.util.Map.of("app", "api")).endMetadata().build();
        PodTopologySpread plugin = new PodTopologySpread(OwnerSelectors.NONE, true);
        NodeInfo n1 = nodes.get(0);
        CycleState webState = new CycleState(new Snapshot(nodes));
        assertThat(plugin.preFilter(webState, web).isSuccess()).isTrue();
        assertThat(plugin.filter(webState, web, n1).code()).isEqualTo(Status.Code.UNSCHEDULABLE);
        CycleState apiState = new CycleState(new Snapshot(nodes));
        assertThat(plugin.preFilter(apiState, api).isSuccess()).isTrue();
        assertThat(plugin.filter(apiState, api, n1).code()).isEqualTo(Status.Code.SUCCESS);
    }

    @Test
    void podsWithoutHardConstraintsSkipTheFilter() {
        PodTopologySpread plugin = new PodTopologySpread(OwnerSelectors.NONE, true);
        assertThat(plugin.preFilter(new CycleState(new Snapshot(cluster())), web("x")).isSkip()).isTrue();
    }

    private static long[] scores(PodTopologySpread plugin, Pod pod, List<NodeInfo> nodes) {
        CycleState state = new CycleState(new Snapshot(nodes));
        Status pre = plugin.preScore(state, pod, nodes);
        if (pre.isSkip()) {
            return null;
        }
        long[] s = nodes.stream().mapToLong(n -> plugin.score(state, pod, n)).toArray();
        plugin.normalize(state, pod, nodes, s);
        return s;
    }

    @Test
    void systemDefaultsSpreadAPodGroupSelectedByItsOwnerOverNodesAndZones() {
        List<NodeInfo> nodes = cluster();
        PodTopologySpread plugin = new PodTopologySpread(
                pod -> new LabelSelectorBuilder().addToMatchLabels("app", "web").build(), true);
        long[] s = scores(plugin, web("new"), nodes);
        // Fewer group members in the node and its zone rank higher: n3 (empty, empty zone) first, n1 last.
        assertThat(s[2]).isGreaterThan(s[1]);
        assertThat(s[1]).isGreaterThan(s[0]);
        assertThat(s[3]).isGreaterThan(s[0]); // no zone label: not ignored under the system defaults
        // Without an owner there is no group: nothing to spread.
        assertThat(scores(new PodTopologySpread(OwnerSelectors.NONE, true), web("new"), nodes)).isNull();
        // defaultingType List: no defaults.
        assertThat(scores(new PodTopologySpread(pod -> new LabelSelectorBuilder().addToMatchLabels("app", "web")
                .build(), false), web("new"), nodes)).isNull();
    }

    @Test
    void scheduleAnywayConstraintsScoreAndIgnoreNodesWithoutTheKey() {
        List<NodeInfo> nodes = cluster();
        long[] s = scores(new PodTopologySpread(OwnerSelectors.NONE, true),
                spread("topology.kubernetes.io/zone", 1, "ScheduleAnyway"), nodes);
        assertThat(s[2]).isEqualTo(100); // zone b is empty
        assertThat(s[0]).isEqualTo(s[1]).isLessThan(s[2]);
        assertThat(s[3]).isZero(); // ignored: no zone label
    }

    /**
     * The counts read from the snapshot's TopologyIndex must equal the node-by-node scan's. A node selector every
     * node satisfies sends the same pod down the scan (node inclusion then depends on the node), so the two
     * paths are compared on one random cluster: Filter for every node, and Score over a feasible subset.
     */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"1", "2", "3"})
    void theIndexAndTheNodeScanGiveTheSameFilterAndScores(long seed) {
        java.util.Random r = new java.util.Random(seed);
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Node n = new io.fabric8.kubernetes.api.model.NodeBuilder(node("n" + i, "z" + (i % 4)))
                    .editMetadata().addToLabels("pool", "all").endMetadata().build();
            List<Pod> pods = new ArrayList<>();
            for (int k = r.nextInt(6); k > 0; k--) {
                PodBuilder b = new PodBuilder(r.nextBoolean() ? web("w" + i + "-" + k) : Fixtures.pod("o" + i + "-" + k));
                if (r.nextInt(8) == 0) {
                    b.editMetadata().withNamespace("other").endMetadata();
                }
                if (r.nextInt(8) == 0) {
                    b.editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata();
                }
                pods.add(Fixtures.on(b.build(), "n" + i));
            }
            nodes.add(NodeInfo.of(n, pods.toArray(new Pod[0])));
        }
        List<NodeInfo> feasible = nodes.subList(0, 20);
        PodTopologySpread plugin = new PodTopologySpread(
                pod -> new LabelSelectorBuilder().addToMatchLabels("app", "web").build(), true);
        for (Pod pod : List.of(web("new"), spread("topology.kubernetes.io/zone", 1, "ScheduleAnyway"),
                spread("kubernetes.io/hostname", 2, "ScheduleAnyway"), spread("topology.kubernetes.io/zone", 2,
                        "DoNotSchedule"), spread("kubernetes.io/hostname", 1, "DoNotSchedule"))) {
            Pod scanned = new PodBuilder(pod).editSpec().addToNodeSelector("pool", "all").endSpec().build();
            assertThat(scores(plugin, scanned, feasible)).isEqualTo(scores(plugin, pod, feasible));
            CycleState viaIndex = new CycleState(new Snapshot(nodes));
            CycleState viaScan = new CycleState(new Snapshot(nodes));
            Status a = plugin.preFilter(viaIndex, pod);
            Status b = plugin.preFilter(viaScan, scanned);
            assertThat(a.code()).isEqualTo(b.code());
            if (a.isSuccess()) {
                for (NodeInfo n : nodes) {
                    assertThat(plugin.filter(viaIndex, pod, n).code()).as(n.name())
                            .isEqualTo(plugin.filter(viaScan, scanned, n).code());
                }
            }
        }
    }

    @SafeVarargs
    private static PluginArgs listArgs(Map<String, Object>... constraints) {
        return new PluginArgs(Map.of("defaultingType", "List", "defaultConstraints", List.of(constraints)));
    }

    private static final OwnerSelectors WEB_GROUP = pod -> new LabelSelectorBuilder().addToMatchLabels("app", "web")
            .build();

    @Test
    void configuredDefaultConstraintsFilterAndScoreAPodWithoutItsOwn() {
        PodTopologySpread plugin = PodTopologySpread.from(listArgs(
                Map.of("maxSkew", 1, "topologyKey", "topology.kubernetes.io/zone", "whenUnsatisfiable", "DoNotSchedule"),
                Map.of("maxSkew", 1, "topologyKey", "kubernetes.io/hostname", "whenUnsatisfiable", "ScheduleAnyway")),
                WEB_GROUP);
        List<NodeInfo> nodes = cluster();
        CycleState state = new CycleState(new Snapshot(nodes));
        Pod pod = web("new");
        assertThat(plugin.preFilter(state, pod).isSuccess()).isTrue();
        // Zone a holds 3 of the group, zone b none: only zone b keeps the skew within 1; n4 has no zone.
        assertThat(plugin.filter(state, pod, nodes.get(0)).code()).isEqualTo(Status.Code.UNSCHEDULABLE);
        assertThat(plugin.filter(state, pod, nodes.get(2)).code()).isEqualTo(Status.Code.SUCCESS);
        assertThat(plugin.filter(state, pod, nodes.get(3)).code())
                .isEqualTo(Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
        long[] s = scores(plugin, pod, nodes.subList(0, 3));
        assertThat(s[2]).isGreaterThan(s[1]); // n3 holds none of the group, n2 one, n1 two
        assertThat(s[1]).isGreaterThan(s[0]);

        // A pod with constraints of its own gets none of the defaults: maxSkew 10 by hostname lets n1 in.
        Pod own = spread("kubernetes.io/hostname", 10, "DoNotSchedule");
        CycleState ownState = new CycleState(new Snapshot(nodes));
        assertThat(plugin.preFilter(ownState, own).isSuccess()).isTrue();
        assertThat(plugin.filter(ownState, own, nodes.get(0)).code()).isEqualTo(Status.Code.SUCCESS);
        // A pod without a group (no Service, no owner) has nothing to spread.
        PodTopologySpread noGroup = PodTopologySpread.from(listArgs(Map.of("maxSkew", 1, "topologyKey",
                "topology.kubernetes.io/zone", "whenUnsatisfiable", "DoNotSchedule")), OwnerSelectors.NONE);
        assertThat(noGroup.preFilter(new CycleState(new Snapshot(nodes)), pod).isSkip()).isTrue();
        // The system defaults never filter.
        assertThat(PodTopologySpread.from(PluginArgs.NONE, WEB_GROUP).preFilter(new CycleState(new Snapshot(nodes)),
                pod).isSkip()).isTrue();
    }

    @Test
    void invalidDefaultConstraintsAreRefusedNamingTheField() {
        Map<String, Object> zone = Map.of("maxSkew", 1, "topologyKey", "topology.kubernetes.io/zone",
                "whenUnsatisfiable", "DoNotSchedule");
        assertThatThrownBy(() -> PodTopologySpread.from(new PluginArgs(Map.of("defaultConstraints", List.of(zone))),
                WEB_GROUP)).hasMessageContaining("defaultConstraints: must be empty when defaultingType is System");
        assertThatThrownBy(() -> PodTopologySpread.from(new PluginArgs(Map.of("defaultingType", "Custom")), WEB_GROUP))
                .hasMessageContaining("defaultingType: must be System or List, got Custom");
        assertThatThrownBy(() -> PodTopologySpread.from(listArgs(Map.of("maxSkew", 0, "topologyKey", "k",
                "whenUnsatisfiable", "DoNotSchedule")), WEB_GROUP))
                .hasMessageContaining("defaultConstraints[0].maxSkew: must be greater than zero");
        assertThatThrownBy(() -> PodTopologySpread.from(listArgs(Map.of("maxSkew", 1, "whenUnsatisfiable",
                "DoNotSchedule")), WEB_GROUP)).hasMessageContaining("defaultConstraints[0].topologyKey: required");
        assertThatThrownBy(() -> PodTopologySpread.from(listArgs(Map.of("maxSkew", 1, "topologyKey", "k",
                "whenUnsatisfiable", "Sometimes")), WEB_GROUP))
                .hasMessageContaining("whenUnsatisfiable: must be DoNotSchedule or ScheduleAnyway, got Sometimes");
        assertThatThrownBy(() -> PodTopologySpread.from(listArgs(Map.of("maxSkew", 1, "topologyKey", "k",
                "whenUnsatisfiable", "DoNotSchedule", "labelSelector", Map.of())), WEB_GROUP))
                .hasMessageContaining("defaultConstraints[0].labelSelector: not allowed");
        assertThatThrownBy(() -> PodTopologySpread.from(listArgs(zone, zone), WEB_GROUP))
                .hasMessageContaining("defaultConstraints[1]: a second constraint on topology.kubernetes.io/zone");
    }
}
