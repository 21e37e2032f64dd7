package io.kaji.scheduler.framework;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ProfileTest {

    /** A bind-only plugin, enough to build a profile. */
    static final class Binder implements BindPlugin {
        @Override
        public String name() {
            return "Binder";
        }

        @Override
        public Status bind(CycleState state, Pod pod, String nodeName) {
            return Status.success();
        }
    }

    /** Scores every node with a fixed value; rejects nodes named "bad". */
    record Fixed(String name, long value) implements FilterPlugin, ScorePlugin, EnqueueExtensions {
        @Override
        public Status filter(CycleState state, Pod pod, NodeInfo node) {
            return node.name().equals("bad") ? Status.unschedulable("bad node") : Status.success();
        }

        @Override
        public long score(CycleState state, Pod pod, NodeInfo node) {
            return value;
        }

        @Override
        public Set<ClusterEvent> events() {
            return Set.of(ClusterEvent.NODE_ADDED);
        }
    }

    private static Registry registry() {
        return new Registry().register("Binder", (a, h) -> new Binder())
                .register("A", (a, h) -> new Fixed("A", 10))
                .register("B", (a, h) -> new Fixed("B", 50));
    }

    private static Profile profile(int percentage, ProfileConfig.Enabled... plugins) {
        return new Profile(new ProfileConfig("default-scheduler", List.of(plugins), percentage, Map.of()), registry());
    }

    @ParameterizedTest(name = "{0} nodes, {1}% -> {2}")
    @CsvSource({
            "10, 0, 10",       // small clusters: every node
            "99, 0, 99",
            "100, 0, 100",     // 50 - 0 = 50% of 100 = 50, but at least 100
            "1000, 0, 420",    // 50 - 8 = 42%
            "5000, 0, 500",    // 50 - 40 = 10%
            "6000, 0, 300",    // 50 - 48 = 2% -> at least 5%
            "1000, 30, 300",   // configured
            "1000, 5, 100",    // configured, but at least 100 nodes
            "1000, 100, 1000"})
    void feasibleNodesToFindFollowsKubernetesAdaptiveDefault(int nodes, int percentage, int expected) {
        Profile p = profile(percentage, new ProfileConfig.Enabled("Binder", 0));
        assertThat(p.numFeasibleNodesToFind(nodes)).isEqualTo(expected);
    }

    @Test
    void scoresAreWeightedAndSummedAndFiltersAttributeTheirPlugin() {
        Profile p = profile(0, new ProfileConfig.Enabled("A", 2), new ProfileConfig.Enabled("B", 1),
                new ProfileConfig.Enabled("Binder", 0));
        NodeInfo n = new NodeInfo(io.kaji.scheduler.Fixtures.node("n1"));
        CycleState state = new CycleState(Snapshot.of(n));
        assertThat(p.runScore(state, io.kaji.scheduler.Fixtures.pod("p"), List.of(n))).containsExactly(10 * 2 + 50);
        NodeInfo bad = new NodeInfo(io.kaji.scheduler.Fixtures.node("bad"));
        Status s = p.runFilter(state, io.kaji.scheduler.Fixtures.pod("p"), bad);
        assertThat(s.plugin()).isEqualTo("A");
        assertThat(p.wakeEvents(Set.of("A"))).containsExactly(ClusterEvent.NODE_ADDED);
        assertThat(p.wakeEvents(Set.of())).isEqualTo(ClusterEvent.ALL);
    }

    @Test
    void mergeDisablesAndEnablesLikeKubernetes() {
        ProfileConfig base = new ProfileConfig("s", List.of(new ProfileConfig.Enabled("A", 1),
                new ProfileConfig.Enabled("Binder", 0)), 0, Map.of());
        assertThat(base.merge(Set.of("A"), List.of(new ProfileConfig.Enabled("B", 5))).plugins())
                .extracting(ProfileConfig.Enabled::name).containsExactly("Binder", "B");
        assertThat(base.merge(Set.of("*"), List.of(new ProfileConfig.Enabled("Binder", 0))).plugins())
                .extracting(ProfileConfig.Enabled::name).containsExactly("Binder");
    }

    @Test
    void unknownPluginAndMissingBinderAreConfigurationErrors() {
        assertThatThrownBy(() -> profile(0, new ProfileConfig.Enabled("Nope", 1)))
                .hasMessageContaining("unknown scheduler plugin \"Nope\"");
        assertThatThrownBy(() -> profile(0, new ProfileConfig.Enabled("A", 1)))
                .hasMessageContaining("has no Bind plugin");
    }

    @Test
    void anExtensionPointsOwnSetDisablesAndEnablesThereOnly() {
        ProfileConfig base = new ProfileConfig("s", List.of(new ProfileConfig.Enabled("A", 2),
                new ProfileConfig.Enabled("B", 1), new ProfileConfig.Enabled("Binder", 0)), 0, Map.of());
        NodeInfo bad = new NodeInfo(io.kaji.scheduler.Fixtures.node("bad"));
        CycleState state = new CycleState(Snapshot.of(bad));
        Pod pod = io.kaji.scheduler.Fixtures.pod("p");

        // A's filter off: B still filters, A still scores.
        Profile noFilterA = new Profile(base.withPoint("filter", Set.of("A"), List.of()), registry());
        assertThat(noFilterA.runFilter(state, pod, bad).plugin()).isEqualTo("B");
        assertThat(noFilterA.runScore(state, pod, List.of(bad))).containsExactly(10 * 2 + 50);

        // Score: every multiPoint scorer off, B back with weight 3; both still filter.
        Profile onlyB = new Profile(base.withPoint("score", Set.of("*"), List.of(new ProfileConfig.Enabled("B", 3))),
                registry());
        assertThat(onlyB.runScore(state, pod, List.of(bad))).containsExactly(50 * 3);
        assertThat(onlyB.runFilter(state, pod, bad).plugin()).isEqualTo("A");

        // Filters off everywhere: nothing rejects; the binder is untouched.
        Profile noFilters = new Profile(base.withPoint("filter", Set.of("*"), List.of()), registry());
        assertThat(noFilters.runFilter(state, pod, bad).isSuccess()).isTrue();
        assertThat(noFilters.runBind(state, pod, "bad").isSuccess()).isTrue();

        assertThatThrownBy(() -> new Profile(base.withPoint("bind", Set.of(), List.of(new ProfileConfig.Enabled("A", 1))),
                registry())).hasMessageContaining("plugin A is enabled at bind but has no bind extension");
        assertThatThrownBy(() -> base.withPoint("queueSort", Set.of(), List.of()))
                .hasMessageContaining("unknown extension point \"queueSort\"");
    }
}
