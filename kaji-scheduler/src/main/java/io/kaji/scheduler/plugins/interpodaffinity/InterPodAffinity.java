package io.kaji.scheduler.plugins.interpodaffinity;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.framework.AffinityTerm;
import io.kaji.scheduler.framework.AffinityTerms;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.EnqueueExtensions;
import io.kaji.scheduler.framework.FilterPlugin;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PodInfo;
import io.kaji.scheduler.framework.PreFilterPlugin;
import io.kaji.scheduler.framework.PreScorePlugin;
import io.kaji.scheduler.framework.ScorePlugin;
import io.kaji.scheduler.framework.Status;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Places pods relative to other pods within a topology domain.
 * <ul>
 *   <li>Filter: the pod's required affinity terms must each find a matching pod in the node's domain (or, for
 *       the first pod of a group that matches its own terms, no matching pod anywhere); its required
 *       anti-affinity terms must find none; and no existing pod's required anti-affinity may select it.</li>
 *   <li>Score: the weights of preferred terms (the pod's and, symmetrically, existing pods') add up per domain,
 *       anti-affinity negatively; scores are scaled min-max into 0–100.</li>
 * </ul>
 */
public final class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin,
        EnqueueExtensions {

    public static final String NAME = "InterPodAffinity";
    public static final String REASON_AFFINITY = "node(s) didn't match pod affinity rules";
    public static final String REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
    public static final String REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
    /** Kubernetes' {@code hardPodAffinityWeight} default: existing pods' required affinity counts this much in Score. */
    static final int HARD_POD_AFFINITY_WEIGHT = 1;

    private static final CycleState.Key<FilterState> FILTER = new CycleState.Key<>(NAME + "/filter");
    private static final CycleState.Key<Map<String, Map<String, Long>>> SCORE = new CycleState.Key<>(NAME + "/score");

    @Override
    public String name() {
        return NAME;
    }

    /** Matching-pod counts by {@code key=value} domain. */
    private record FilterState(AffinityTerms terms, TopologyCounts affinity, TopologyCounts antiAffinity,
                               TopologyCounts existingAntiAffinity) {}

    @Override
    public Status preFilter(CycleState state, Pod pod) {
        AffinityTerms terms = AffinityTerms.of(pod);
        TopologyCounts existingAnti = new TopologyCounts();
        for (NodeInfo node : state.snapshot().nodesWithRequiredAntiAffinityPods()) {
            Map<String, String> labels = node.labels();
            for (PodInfo existing : node.podsWithRequiredAntiAffinity()) {
                for (AffinityTerm t : existing.affinityTerms().requiredAntiAffinity()) {
                    String v = labels.get(t.topologyKey());
                    if (v != null && t.matches(pod)) {
                        existingAnti.add(t.topologyKey(), v);
                    }
                }
            }
        }
        TopologyCounts affinity = new TopologyCounts();
        TopologyCounts anti = new TopologyCounts();
        if (terms.hasRequired()) {
            for (NodeInfo node : state.snapshot().nodes()) {
                Map<String, String> labels = node.labels();
                for (PodInfo existing : node.pods()) {
                    count(terms.requiredAffinity(), existing.pod(), labels, affinity);
                    count(terms.requiredAntiAffinity(), existing.pod(), labels, anti);
                }
            }
        }
        if (!terms.hasRequired() && existingAnti.isEmpty()) {
            return Status.skip();
        }
        state.write(FILTER, new FilterState(terms, affinity, anti, existingAnti));
        return Status.success();
    }

    private static void count(List<AffinityTerm> terms, Pod existing, Map<String, String> labels, TopologyCounts into) {
        for (AffinityTerm t : terms) {
            String v = labels.get(t.topologyKey());
            if (v != null && t.matches(existing)) {
                into.add(t.topologyKey(), v);
            }
        }
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        FilterState s = state.read(FILTER);
        if (s == null) {
            return Status.success();
        }
        Map<String, String> labels = node.labels();
        if (!satisfiesAffinity(s, pod, labels)) {
            return Status.unresolvable(REASON_AFFINITY);
        }
        for (AffinityTerm t : s.terms().requiredAntiAffinity()) {
            String v = labels.get(t.topologyKey());
            if (v != null && s.antiAffinity().get(t.topologyKey(), v) > 0) {
                return Status.unschedulable(REASON_ANTI_AFFINITY);
            }
        }
        if (s.existingAntiAffinity().anyIn(labels)) {
            return Status.unschedulable(REASON_EXISTING_ANTI_AFFINITY);
        }
        return Status.success();
    }

    private static boolean satisfiesAffinity(FilterState s, Pod pod, Map<String, String> labels) {
        List<AffinityTerm> terms = s.terms().requiredAffinity();
        if (terms.isEmpty()) {
            return true;
        }
        boolean all = true;
        for (AffinityTerm t : terms) {
            String v = labels.get(t.topologyKey());
            if (v == null) {
                return false; // a node without the key can never satisfy the term
            }
            if (s.affinity().get(t.topologyKey(), v) <= 0) {
                all = false;
            }
        }
        if (all) {
            return true;
        }
        // The first pod of a group that selects itself may go anywhere, or it could never be scheduled.
        return s.affinity().isEmpty() && terms.stream().allMatch(t -> t.matches(pod));
    }

    @Override
    public Status preScore(CycleState state, Pod pod, List<NodeInfo> feasibleNodes) {
        AffinityTerms terms = AffinityTerms.of(pod);
        boolean incoming = terms.hasPreferred();
        List<NodeInfo> nodes = incoming ? state.snapshot().nodes() : state.snapshot().nodesWithAffinityPods();
        if (nodes.isEmpty()) {
            return Status.skip();
        }
        Map<String, Map<String, Long>> byDomain = new HashMap<>();
        for (NodeInfo node : nodes) {
            Map<String, String> labels = node.labels();
            for (PodInfo existing : incoming ? node.pods() : node.podsWithAffinity()) {
                add(terms.preferredAffinity(), existing.pod(), labels, 1, byDomain);
                add(terms.preferredAntiAffinity(), existing.pod(), labels, -1, byDomain);
                if (existing.hasAffinity()) {
                    AffinityTerms theirs = existing.affinityTerms();
                    add(theirs.preferredAffinity(), pod, labels, 1, byDomain);
                    add(theirs.preferredAntiAffinity(), pod, labels, -1, byDomain);
                    for (AffinityTerm t : theirs.requiredAffinity()) {
                        addOne(t, pod, labels, HARD_POD_AFFINITY_WEIGHT, byDomain);
                    }
                }
            }
        }
        if (byDomain.isEmpty()) {
            return Status.skip();
        }
        state.write(SCORE, byDomain);
        return Status.success();
    }

    private static void add(List<AffinityTerm> terms, Pod selected, Map<String, String> labels, int sign,
                            Map<String, Map<String, Long>> into) {
        for (AffinityTerm t : terms) {
            addOne(t, selected, labels, sign * t.weight(), into);
        }
    }

    private static void addOne(AffinityTerm t, Pod selected, Map<String, String> labels, long weight,
                               Map<String, Map<String, Long>> into) {
        String v = labels.get(t.topologyKey());
        if (v != null && weight != 0 && t.matches(selected)) {
            into.computeIfAbsent(t.topologyKey(), k -> new HashMap<>()).merge(v, weight, Long::sum);
        }
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        Map<String, Map<String, Long>> byDomain = state.read(SCORE);
        if (byDomain == null) {
            return 0;
        }
        long score = 0;
        Map<String, String> labels = node.labels();
        for (Map.Entry<String, Map<String, Long>> e : byDomain.entrySet()) {
            String v = labels.get(e.getKey());
            if (v != null) {
                score += e.getValue().getOrDefault(v, 0L);
            }
        }
        return score;
    }

    /** Min-max scaling into 0–100 (raw scores may be negative); all equal gives 0. */
    @Override
    public void normalize(CycleState state, Pod pod, List<NodeInfo> nodes, long[] scores) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (long s : scores) {
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        long diff = max - min;
        for (int i = 0; i < scores.length; i++) {
            scores[i] = diff > 0 ? MAX_SCORE * (scores[i] - min) / diff : 0;
        }
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.NODE_ADDED, ClusterEvent.NODE_LABELS_CHANGED, ClusterEvent.ASSIGNED_POD_ADDED,
                ClusterEvent.ASSIGNED_POD_CHANGED, ClusterEvent.ASSIGNED_POD_DELETED);
    }
}
