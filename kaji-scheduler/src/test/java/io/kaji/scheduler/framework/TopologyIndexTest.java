package io.kaji.scheduler.framework;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.controllers.testing.MutableClock;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.cache.SchedulerCache;
import io.kaji.scheduler.framework.TopologyIndex.PodQuery;
import io.kaji.scheduler.framework.TopologyIndex.TermKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The index handed from snapshot to snapshot must always equal one built from scratch on the same nodes, whatever
 * the cache went through: assumed, forgotten, confirmed, moved and deleted pods, relabelled, added and removed
 * nodes, nodes whose images changed.
 */
class TopologyIndexTest {

    private static final String ZONE = "topology.kubernetes.io/zone";
    private static final String HOST = "kubernetes.io/hostname";
    private static final LabelSelector WEB = new LabelSelectorBuilder().addToMatchLabels("app", "web").build();
    private static final List<PodQuery> QUERIES = List.of(
            new PodQuery(ZONE, WEB, Set.of("default"), false, true),
            new PodQuery(HOST, WEB, Set.of("default"), false, false),
            new PodQuery(ZONE, WEB, Set.of(), true, false));

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final SchedulerCache cache = new SchedulerCache(clock, Duration.ofSeconds(30));

    private static Node node(String name, String zone, boolean withImage) {
        NodeBuilder b = Fixtures.node(name, "64", "256Gi").editMetadata().addToLabels(ZONE, zone).endMetadata();
        if (withImage) {
            b.editStatus().addNewImage().withNames("docker.io/library/nginx:1.27").withSizeBytes(200_000_000L)
                    .endImage().endStatus();
        }
        return b.build();
    }

    /** A pod on {@code node}: maybe labelled app=web, maybe with hostname anti-affinity or preferred zone affinity. */
    private static Pod pod(String name, String node, Random r) {
        PodBuilder b = new PodBuilder(Fixtures.pod(name));
        if (r.nextBoolean()) {
            b.editMetadata().addToLabels("app", "web").endMetadata();
        }
        switch (r.nextInt(4)) {
            case 0 -> b.editSpec().withNewAffinity().withNewPodAntiAffinity()
                    .addNewRequiredDuringSchedulingIgnoredDuringExecution().withLabelSelector(WEB).withTopologyKey(HOST)
                    .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity().endAffinity().endSpec();
            case 1 -> b.editSpec().withNewAffinity().withNewPodAffinity()
                    .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(1 + r.nextInt(100))
                    .withNewPodAffinityTerm().withLabelSelector(WEB).withTopologyKey(ZONE).endPodAffinityTerm()
                    .endPreferredDuringSchedulingIgnoredDuringExecution().endPodAffinity().endAffinity().endSpec();
            default -> { }
        }
        if (r.nextInt(10) == 0) {
            b.editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata();
        }
        return Fixtures.on(b.build(), node);
    }

    /** Asks every query of the advanced index, then checks it against a fresh index of the same snapshot. */
    private static void assertMatchesFresh(Snapshot s) {
        TopologyIndex advanced = s.topologyIndex();
        TopologyIndex fresh = TopologyIndex.of(s.nodes());
        for (TopologyIndex i : List.of(advanced, fresh)) {
            QUERIES.forEach(i::podCounts);
            i.domains(ZONE);
            i.domains(HOST);
        }
        assertThat(advanced.contents()).isEqualTo(fresh.contents());
    }

    @Test
    void anAdvancedIndexEqualsAFreshOneThroughRandomClusterChanges() {
        Random r = new Random(42);
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            nodes.add("n" + i);
            cache.addNode(node("n" + i, "zone-" + (i % 3), i % 2 == 0));
        }
        assertMatchesFresh(cache.snapshot()); // registers the queries in the lineage's index
        Map<String, Pod> bound = new HashMap<>();
        Map<String, Pod> assumed = new HashMap<>();
        int names = 0;
        for (int step = 0; step < 600; step++) {
            String n = nodes.get(r.nextInt(nodes.size()));
            switch (r.nextInt(9)) {
                case 0, 1 -> {
                    Pod p = pod("p" + names++, n, r);
                    cache.assumePod(p);
                    assumed.put(p.getMetadata().getName(), p);
                }
                case 2 -> {
                    Pod p = any(assumed, r);
                    if (p != null) {
                        cache.forgetPod(p);
                        assumed.remove(p.getMetadata().getName());
                    }
                }
                case 3 -> {
                    Pod p = any(assumed, r);
                    if (p != null) { // the binding came back through the informer
                        cache.addPod(p);
                        assumed.remove(p.getMetadata().getName());
                        bound.put(p.getMetadata().getName(), p);
                    }
                }
                case 4 -> {
                    Pod p = pod("p" + names++, n, r);
                    cache.addPod(p);
                    bound.put(p.getMetadata().getName(), p);
                }
                case 5 -> {
                    Pod p = any(bound, r);
                    if (p != null) {
                        cache.removePod(p);
                        bound.remove(p.getMetadata().getName());
                    }
                }
                case 6 -> cache.updateNode(node(n, "zone-" + r.nextInt(4), r.nextBoolean()));
                case 7 -> {
                    String added = "n" + (100 + step);
                    nodes.add(added);
                    cache.addNode(node(added, "zone-" + r.nextInt(3), r.nextBoolean()));
                }
                default -> {
                    if (nodes.size() > 3) {
                        nodes.remove(n);
                        cache.removeNode(node(n, "zone-0", false));
                    }
                }
            }
            if (r.nextInt(3) == 0) { // several changes between two snapshots as well as one
                assertMatchesFresh(cache.snapshot());
            }
        }
        assertMatchesFresh(cache.snapshot());
    }

    private static Pod any(Map<String, Pod> pods, Random r) {
        if (pods.isEmpty()) {
            return null;
        }
        List<Pod> list = new ArrayList<>(pods.values());
        return list.get(r.nextInt(list.size()));
    }

    @Test
    void assumeThenForgetRestoresTheCountsAndDeletionRemovesThem() {
        cache.addNode(node("n1", "a", false));
        cache.addNode(node("n2", "b", false));
        PodQuery byZone = QUERIES.get(0);
        assertThat(cache.snapshot().topologyIndex().podCounts(byZone)).isEmpty();

        Pod web = Fixtures.on(new PodBuilder(Fixtures.pod("w")).editMetadata().addToLabels("app", "web")
                .endMetadata().build(), "n1");
        cache.assumePod(web);
        assertThat(cache.snapshot().topologyIndex().podCounts(byZone)).isEqualTo(Map.of("a", 1));
        cache.forgetPod(web);
        assertThat(cache.snapshot().topologyIndex().podCounts(byZone)).isEmpty();

        cache.addPod(web);
        Pod moved = Fixtures.on(web, "n2"); // the informer saw it bound elsewhere
        cache.updatePod(moved);
        assertThat(cache.snapshot().topologyIndex().podCounts(byZone)).isEqualTo(Map.of("b", 1));
        cache.removePod(moved);
        assertThat(cache.snapshot().topologyIndex().podCounts(byZone)).isEmpty();
    }

    @Test
    void existingTermsAreGroupedByTermWithTheirPodsWeightsPerDomain() {
        cache.addNode(node("n1", "a", false));
        cache.addNode(node("n2", "a", false));
        for (int i = 0; i < 5; i++) {
            cache.addPod(Fixtures.on(new PodBuilder(Fixtures.pod("p" + i)).editSpec().withNewAffinity()
                    .withNewPodAntiAffinity().addNewRequiredDuringSchedulingIgnoredDuringExecution()
                    .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("app", "web").build())
                    .withTopologyKey(HOST).endRequiredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity()
                    .endAffinity().endSpec().build(), i < 3 ? "n1" : "n2"));
        }
        Map<AffinityTerm, Map<String, Long>> seen = new HashMap<>();
        cache.snapshot().topologyIndex().forEachExistingTerm(TermKind.REQUIRED_ANTI_AFFINITY, seen::put);
        // One distinct term (each pod's own selector object), however many pods declare it.
        assertThat(seen).hasSize(1);
        assertThat(seen.values().iterator().next()).isEqualTo(Map.of("n1", 3L, "n2", 2L));
        assertThat(cache.snapshot().topologyIndex().hasExistingTerms(TermKind.PREFERRED_AFFINITY)).isFalse();
    }

    @Test
    void aSnapshotThatIsNoLongerTheNewestBuildsItsOwnIndex() {
        cache.addNode(node("n1", "a", false));
        Pod web = Fixtures.on(new PodBuilder(Fixtures.pod("w")).editMetadata().addToLabels("app", "web")
                .endMetadata().build(), "n1");
        Snapshot before = cache.snapshot();
        before.topologyIndex().podCounts(QUERIES.get(0));
        cache.addPod(web);
        Snapshot after = cache.snapshot();
        assertThat(after.topologyIndex().podCounts(QUERIES.get(0))).isEqualTo(Map.of("a", 1));
        // The lineage's index moved on; the old snapshot must still answer for its own nodes.
        assertThat(before.topologyIndex().podCounts(QUERIES.get(0))).isEmpty();
        assertThat(after.topologyIndex().podCounts(QUERIES.get(0))).isEqualTo(Map.of("a", 1));
    }

    @Test
    void imageCountsFollowNodeStatus() {
        cache.addNode(node("n1", "a", true));
        cache.addNode(node("n2", "a", false));
        TopologyIndex i = cache.snapshot().topologyIndex();
        assertThat(i.nodesWithImages()).isEqualTo(1);
        assertThat(i.imageNodes()).containsEntry("docker.io/library/nginx:1.27", 1);
        cache.updateNode(node("n2", "a", true));
        i = cache.snapshot().topologyIndex();
        assertThat(i.imageNodes()).containsEntry("docker.io/library/nginx:1.27", 2);
        cache.updateNode(node("n1", "a", false));
        cache.updateNode(node("n2", "a", false));
        assertThat(cache.snapshot().topologyIndex().nodesWithImages()).isZero();
    }
}
