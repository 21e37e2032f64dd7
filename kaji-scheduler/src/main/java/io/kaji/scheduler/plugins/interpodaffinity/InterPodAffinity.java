package io.kaji.scheduler.plugins.interpodaffinity;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.framework.AffinityTerm;
import io.kaji.scheduler.framework.AffinityTerms;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.EnqueueExtensions;
import io.kaji.scheduler.framework.FilterPlugin;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PreFilterPlugin;
import io.kaji.scheduler.framework.PreScorePlugin;
import io.kaji.scheduler.framework.ScorePlugin;
import io.kaji.scheduler.framework.Status;
import io.kaji.scheduler.framework.TopologyIndex;
import io.kaji.scheduler.framework.TopologyIndex.PodQuery;
import io.kaji.scheduler.framework.TopologyIndex.TermKind;
import java.util.ArrayList;
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
    private static final CycleState.Key<List<Weighted>> SCORE = new CycleState.Key<>(NAME + "/score");

    @Override
    public String name() {
        return NAME;
    }

    /** Matching-pod counts by {@code key=value} domain. */
    private record FilterState(AffinityTerms terms, TopologyCounts affinity, TopologyCounts antiAffinity,
                               TopologyCounts existingAntiAffinity) {}

    /**
     * Gathers, from the snapshot's {@link TopologyIndex}, the domains where pods match the incoming pod's required
     * terms and where existing pods' required anti-affinity terms select the incoming pod: O(terms), where
     * Kubernetes walks every pod (with affinity) in the cluster.
     */
    @Override
    public Status preFilter(CycleState state, Pod pod) {
        AffinityTerms terms = AffinityTerms.of(pod);
        TopologyIndex index = state.snapshot().topologyIndex();
        TopologyCounts existingAnti = new TopologyCounts();
        index.forEachExistingTerm(TermKind.REQUIRED_ANTI_AFFINITY, (t, byValue) -> {
            if (t.matches(pod)) {
                existingAnti.add(t.topologyKey(), byValue);
            }
        });
        if (!terms.hasRequired() && existingAnti.isEmpty()) {
            return Status.skip();
        }
        TopologyCounts affinity = new TopologyCounts();
        TopologyCounts anti = new TopologyCounts();
        for (AffinityTerm t : terms.requiredAffinity()) {
            affinity.add(t.topologyKey(), index.podCounts(PodQuery.of(t)));
        }
        for (AffinityTerm t : terms.requiredAntiAffinity()) {
            anti.add(t.topologyKey(), index.podCounts(PodQuery.of(t)));
        }
        state.write(FILTER, new FilterState(terms, affinity, anti, existingAnti));
        return Status.success();
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

    /**
     * The weighted count maps Score adds up per node: the incoming pod's preferred terms over the pods they
     * select, and the existing pods' preferred terms (and required affinity, at {@link #HARD_POD_AFFINITY_WEIGHT})
     * that select the incoming pod — all read from the {@link TopologyIndex}, none copied.
     */
    private record Weighted(String topologyKey, long factor, Map<String, ? extends Number> byValue) {}

    @Override
    public Status preScore(CycleState state, Pod pod, List<NodeInfo> feasibleNodes) {
        AffinityTerms terms = AffinityTerms.of(pod);
        TopologyIndex index = state.snapshot().topologyIndex();
        List<Weighted> weighted = new ArrayList<>();
        for (AffinityTerm t : terms.preferredAffinity()) {
            addIfAny(weighted, t.topologyKey(), t.weight(), index.podCounts(PodQuery.of(t)));
        }
        for (AffinityTerm t : terms.preferredAntiAffinity()) {
            addIfAny(weighted, t.topologyKey(), -t.weight(), index.podCounts(PodQuery.of(t)));
        }
        existing(index, TermKind.PREFERRED_AFFINITY, 1, pod, weighted);
        existing(index, TermKind.PREFERRED_ANTI_AFFINITY, -1, pod, weighted);
        existing(index, TermKind.REQUIRED_AFFINITY, HARD_POD_AFFINITY_WEIGHT, pod, weighted);
        if (weighted.isEmpty()) {
            return Status.skip();
        }
        state.write(SCORE, weighted);
        return Status.success();
    }

    private static void existing(TopologyIndex index, TermKind kind, long factor, Pod pod, List<Weighted> into) {
        if (factor == 0 || !index.hasExistingTerms(kind)) {
            return;
        }
        index.forEachExistingTerm(kind, (t, byValue) -> {
            if (t.matches(pod)) {
                addIfAny(into, t.topologyKey(), factor, byValue);
            }
        });
    }

    private static void addIfAny(List<Weighted> into, String key, long factor, Map<String, ? extends Number> byValue) {
        if (factor != 0 && !byValue.isEmpty()) {
            into.add(new Weighted(key, factor, byValue));
        }
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        List<Weighted> weighted = state.read(SCORE);
        if (weighted == null) {
            return 0;
        }
        long score = 0;
        Map<String, String> labels = node.labels();
        for (Weighted w : weighted) {
            String v = labels.get(w.topologyKey());
            if (v != null) {
                Number n = w.byValue().get(v);
                if (n != null) {
                    score += w.factor() * n.longValue();
                }
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
