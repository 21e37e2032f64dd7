package io.kaji.scheduler.plugins.podtopologyspread;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.controllers.runtime.Selectors;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.EnqueueExtensions;
import io.kaji.scheduler.framework.FilterPlugin;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PluginArgs;
import io.kaji.scheduler.framework.PreFilterPlugin;
import io.kaji.scheduler.framework.PreScorePlugin;
import io.kaji.scheduler.framework.ScorePlugin;
import io.kaji.scheduler.framework.Status;
import io.kaji.scheduler.framework.TopologyIndex;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Spreads a group of pods over topology domains (nodes, zones) for fault tolerance.
 * <ul>
 *   <li>Filter, for {@code whenUnsatisfiable: DoNotSchedule} constraints: placing the pod in the node's domain
 *       must keep {@code matching pods in the domain + 1 - minimum over domains <= maxSkew}.</li>
 *   <li>Score, for {@code ScheduleAnyway} constraints: fewer matching pods rank higher.</li>
 *   <li>A pod without constraints of its own gets the default constraints, selecting its group by its owner's and
 *       Services' selectors: the system defaults (ScheduleAnyway, maxSkew 3 over {@code kubernetes.io/hostname},
 *       5 over {@code topology.kubernetes.io/zone}) or the configured list.</li>
 * </ul>
 * Plugin args: {@code defaultingType: System} (the default) or {@code List} with the {@code defaultConstraints}
 * given ({@code maxSkew}, {@code topologyKey}, {@code whenUnsatisfiable}; DoNotSchedule ones filter as well).
 */
public final class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin,
        EnqueueExtensions {

    public static final String NAME = "PodTopologySpread";
    public static final String REASON = "node(s) didn't match pod topology spread constraints";
    public static final String REASON_MISSING_LABEL = REASON + " (missing required label)";

    private static final CycleState.Key<FilterState> FILTER = new CycleState.Key<>(NAME + "/filter");
    private static final CycleState.Key<ScoreState> SCORE = new CycleState.Key<>(NAME + "/score");

    private final OwnerSelectors owners;
    /** True for Kubernetes' system defaults, false for a configured list (possibly empty). */
    private final boolean systemDefaulted;
    /** The default constraints (without a selector) for pods that declare none. */
    private final List<Constraint> defaults;

    /** With the system defaults, or ({@code systemDefaults} false) with no default constraints. */
    public PodTopologySpread(OwnerSelectors owners, boolean systemDefaults) {
        this(owners, systemDefaults, systemDefaults ? Constraint.SYSTEM_DEFAULTS : List.of());
    }

    private PodTopologySpread(OwnerSelectors owners, boolean systemDefaulted, List<Constraint> defaults) {
        this.owners = owners;
        this.systemDefaulted = systemDefaulted;
        this.defaults = List.copyOf(defaults);
    }

    /**
     * From {@code PodTopologySpreadArgs}: {@code defaultingType: System} (the default; then {@code
     * defaultConstraints} must be empty) or {@code List} with the {@code defaultConstraints} given (none if absent).
     */
    public static PodTopologySpread from(PluginArgs args, OwnerSelectors owners) {
        String type = args.string("defaultingType", "System");
        List<?> listed = args.list("defaultConstraints");
        String at = "PodTopologySpread args";
        if ("System".equals(type)) {
            if (listed != null && !listed.isEmpty()) {
                throw new IllegalArgumentException(at + ".defaultConstraints: must be empty when defaultingType is "
                        + "System (set defaultingType: List to use your own)");
            }
            return new PodTopologySpread(owners, true);
        }
        if (!"List".equals(type)) {
            throw new IllegalArgumentException(at + ".defaultingType: must be System or List, got " + type);
        }
        List<Constraint> defaults = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; listed != null && i < listed.size(); i++) {
            String field = at + ".defaultConstraints[" + i + "]";
            if (!(listed.get(i) instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException(field + ": must be an object");
            }
            Constraint c = Constraint.defaultFromArgs(m, field);
            if (!seen.add(c.topologyKey() + "/" + c.hard())) {
                throw new IllegalArgumentException(field + ": a second constraint on " + c.topologyKey() + " with the "
                        + "same whenUnsatisfiable");
            }
            defaults.add(c);
        }
        return new PodTopologySpread(owners, false, defaults);
    }

    /**
     * The default constraints that are {@code hard} or not, for a pod that declares none, selecting its group by
     * its owners' and Services' selectors; none for a pod with constraints of its own or without a group.
     */
    private List<Constraint> defaultsFor(Pod pod, boolean hard) {
        List<?> own = pod.getSpec().getTopologySpreadConstraints();
        if ((own != null && !own.isEmpty()) || defaults.stream().noneMatch(c -> c.hard() == hard)) {
            return List.of(); // checked before looking up the pod's group: the system defaults never filter
        }
        LabelSelector selector = owners.selectorFor(pod);
        return selector == null || Selectors.isEmpty(selector) ? List.of()
                : Constraint.forGroup(defaults, selector, hard);
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Matching pods per domain value, one map per constraint, the minimum per constraint, and whether the pod matches
     * each constraint's own selector (1 or 0: it counts itself where it lands; computed once per cycle, as
     * Kubernetes' selfMatchNum, not per node).
     */
    private record FilterState(List<Constraint> constraints, List<Map<String, Integer>> counts, int[] min,
                               int[] self) {}

    @Override
    public Status preFilter(CycleState state, Pod pod) {
        List<Constraint> constraints = Constraint.explicit(pod, true);
        if (constraints.isEmpty()) {
            constraints = defaultsFor(pod, true);
        }
        if (constraints.isEmpty()) {
            return Status.skip();
        }
        String ns = pod.getMetadata().getNamespace();
        TopologyIndex index = state.snapshot().topologyIndex();
        List<Map<String, Integer>> counts = fromIndex(index, state.snapshot().size(), constraints, pod, ns)
                ? indexCounts(index, constraints, ns) : scannedCounts(state, constraints, pod, ns);
        int[] min = new int[constraints.size()];
        int[] self = new int[constraints.size()];
        for (int i = 0; i < min.length; i++) {
            min[i] = minimum(counts.get(i), constraints.get(i).minDomains());
            self[i] = constraints.get(i).selfMatch(pod) ? 1 : 0;
        }
        state.write(FILTER, new FilterState(constraints, counts, min, self));
        return Status.success();
    }

    /**
     * Whether the index's counts are the constraints' counts: every node is a domain member for the pod, and no
     * node lacks one of the keys (Kubernetes only counts nodes that carry every constraint's key; with a single
     * constraint that is the index's own rule).
     */
    private static boolean fromIndex(TopologyIndex index, int nodes, List<Constraint> constraints, Pod pod, String ns) {
        for (Constraint c : constraints) {
            if (!c.includesEveryNode(pod)) {
                return false;
            }
            if (constraints.size() > 1 && nodesWithKey(index.domains(c.topologyKey())) != nodes) {
                return false;
            }
        }
        return true;
    }

    private static int nodesWithKey(Map<String, Integer> domains) {
        int n = 0;
        for (int c : domains.values()) {
            n += c;
        }
        return n;
    }

    /**
     * Per constraint, every domain (value of its key on some node) with its matching pods, from the index: the
     * domains map when none is empty of matching pods (then the counts map already covers them), else a merge.
     */
    private static List<Map<String, Integer>> indexCounts(TopologyIndex index, List<Constraint> constraints,
                                                          String ns) {
        List<Map<String, Integer>> counts = new ArrayList<>(constraints.size());
        for (Constraint c : constraints) {
            Map<String, Integer> matching = index.podCounts(c.query(ns));
            Map<String, Integer> domains = index.domains(c.topologyKey());
            counts.add(new DomainCounts(domains, matching));
        }
        return counts;
    }

    /** The pre-index way, for pods whose node inclusion depends on the node: walk every node and its pods. */
    private static List<Map<String, Integer>> scannedCounts(CycleState state, List<Constraint> constraints, Pod pod,
                                                            String ns) {
        List<Map<String, Integer>> counts = new ArrayList<>();
        constraints.forEach(c -> counts.add(new HashMap<>()));
        for (NodeInfo node : state.snapshot().nodes()) {
            Map<String, String> labels = node.labels();
            if (!hasAllKeys(labels, constraints)) {
                continue;
            }
            for (int i = 0; i < constraints.size(); i++) {
                Constraint c = constraints.get(i);
                if (c.includes(pod, node)) {
                    counts.get(i).merge(labels.get(c.topologyKey()), c.countMatching(node, ns), Integer::sum);
                }
            }
        }
        return counts;
    }

    /** The smallest count over the domains; 0 when there are fewer domains than {@code minDomains}, as Kubernetes. */
    private static int minimum(Map<String, Integer> byDomain, int minDomains) {
        if (byDomain.isEmpty() || byDomain.size() < minDomains) {
            return 0;
        }
        int min = Integer.MAX_VALUE;
        for (int c : byDomain.values()) {
            min = Math.min(min, c);
        }
        return min;
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        FilterState s = state.read(FILTER);
        if (s == null) {
            return Status.success();
        }
        Map<String, String> labels = node.labels();
        for (int i = 0; i < s.constraints().size(); i++) {
            Constraint c = s.constraints().get(i);
            String value = labels.get(c.topologyKey());
            if (value == null) {
                return Status.unresolvable(REASON_MISSING_LABEL);
            }
            int skew = s.counts().get(i).getOrDefault(value, 0) + s.self()[i] - s.min()[i];
            if (skew > c.maxSkew()) {
                return Status.unschedulable(REASON);
            }
        }
        return Status.success();
    }

    /** What Score reads: constraints, counts per domain, per-constraint weights, nodes without the keys. */
    private record ScoreState(List<Constraint> constraints, List<Map<String, Integer>> counts, double[] weights,
                              Set<String> ignored) {}

    @Override
    public Status preScore(CycleState state, Pod pod, List<NodeInfo> feasibleNodes) {
        boolean hasExplicit = pod.getSpec().getTopologySpreadConstraints() != null
                && !pod.getSpec().getTopologySpreadConstraints().isEmpty();
        List<Constraint> constraints = hasExplicit ? Constraint.explicit(pod, false) : defaultsFor(pod, false);
        if (constraints.isEmpty()) {
            return Status.skip();
        }
        // System defaults do not require nodes to carry every key (a cluster without zones still spreads by node);
        // explicit and configured default constraints do, as in Kubernetes.
        boolean requireAllKeys = hasExplicit || !systemDefaulted;
        Set<String> ignored = new HashSet<>();
        Set<String> feasible = new HashSet<>();
        List<Map<String, Integer>> counts = new ArrayList<>();
        constraints.forEach(c -> counts.add(new HashMap<>()));
        for (NodeInfo node : feasibleNodes) {
            Map<String, String> labels = node.labels();
            if (requireAllKeys && !hasAllKeys(labels, constraints)) {
                ignored.add(node.name());
                continue;
            }
            feasible.add(node.name());
            for (int i = 0; i < constraints.size(); i++) {
                String v = labels.get(constraints.get(i).topologyKey());
                if (v != null) {
                    counts.get(i).putIfAbsent(v, 0);
                }
            }
        }
        if (!scoreCountsFromIndex(state, pod, constraints, requireAllKeys, counts)) {
            scoreCountsByScan(state, pod, constraints, requireAllKeys, feasible, counts);
        }
        double[] weights = new double[constraints.size()];
        for (int i = 0; i < weights.length; i++) {
            int size = Constraint.HOSTNAME.equals(constraints.get(i).topologyKey())
                    ? feasibleNodes.size() - ignored.size() : counts.get(i).size();
            weights[i] = Math.log(size + 2);
        }
        state.write(SCORE, new ScoreState(constraints, counts, weights, ignored));
        return Status.success();
    }

    /**
     * Fills the feasible domains' counts ({@code counts}, keyed already) from the index, if its counts are the
     * ones Score wants: every node a domain member for the pod; with several explicit constraints, every node
     * carrying every key; and each feasible hostname value on one node only (Kubernetes counts hostname domains
     * over the feasible nodes alone, which the index's per-value count then equals). Returns false, having
     * changed nothing, when not.
     */
    private static boolean scoreCountsFromIndex(CycleState state, Pod pod, List<Constraint> constraints,
                                                boolean requireAllKeys, List<Map<String, Integer>> counts) {
        TopologyIndex index = state.snapshot().topologyIndex();
        int nodes = state.snapshot().size();
        for (int i = 0; i < constraints.size(); i++) {
            Constraint c = constraints.get(i);
            if (!c.includesEveryNode(pod)) {
                return false;
            }
            Map<String, Integer> domains = index.domains(c.topologyKey());
            if (requireAllKeys && constraints.size() > 1 && nodesWithKey(domains) != nodes) {
                return false;
            }
            if (Constraint.HOSTNAME.equals(c.topologyKey())) {
                for (String v : counts.get(i).keySet()) {
                    if (domains.getOrDefault(v, 0) != 1) {
                        return false;
                    }
                }
            }
        }
        String ns = pod.getMetadata().getNamespace();
        for (int i = 0; i < constraints.size(); i++) {
            Map<String, Integer> matching = index.podCounts(constraints.get(i).query(ns));
            for (Map.Entry<String, Integer> e : counts.get(i).entrySet()) {
                e.setValue(matching.getOrDefault(e.getKey(), 0));
            }
        }
        return true;
    }

    /** The pre-index way: every node, and the pods on each node in a feasible domain. */
    private static void scoreCountsByScan(CycleState state, Pod pod, List<Constraint> constraints,
                                          boolean requireAllKeys, Set<String> feasible,
                                          List<Map<String, Integer>> counts) {
        String ns = pod.getMetadata().getNamespace();
        for (NodeInfo node : state.snapshot().nodes()) {
            Map<String, String> labels = node.labels();
            if (requireAllKeys && !hasAllKeys(labels, constraints)) {
                continue;
            }
            for (int i = 0; i < constraints.size(); i++) {
                Constraint c = constraints.get(i);
                String v = labels.get(c.topologyKey());
                if (v == null || !counts.get(i).containsKey(v) || !c.includes(pod, node)) {
                    continue;
                }
                if (Constraint.HOSTNAME.equals(c.topologyKey()) && !feasible.contains(node.name())) {
                    continue;
                }
                counts.get(i).merge(v, c.countMatching(node, ns), Integer::sum);
            }
        }
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        ScoreState s = state.read(SCORE);
        if (s == null || s.ignored().contains(node.name())) {
            return 0;
        }
        Map<String, String> labels = node.labels();
        double score = 0;
        for (int i = 0; i < s.constraints().size(); i++) {
            Constraint c = s.constraints().get(i);
            String v = labels.get(c.topologyKey());
            if (v != null) {
                score += s.counts().get(i).getOrDefault(v, 0) * s.weights()[i] + (c.maxSkew() - 1);
            }
        }
        return Math.round(score);
    }

    /** Fewer matching pods is better: {@code 100 * (max + min - score) / max}; ignored nodes get 0. */
    @Override
    public void normalize(CycleState state, Pod pod, List<NodeInfo> nodes, long[] scores) {
        ScoreState s = state.read(SCORE);
        if (s == null) {
            return;
        }
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < scores.length; i++) {
            if (!s.ignored().contains(nodes.get(i).name())) {
                min = Math.min(min, scores[i]);
                max = Math.max(max, scores[i]);
            }
        }
        for (int i = 0; i < scores.length; i++) {
            if (s.ignored().contains(nodes.get(i).name())) {
                scores[i] = 0;
            } else if (max == 0) {
                scores[i] = MAX_SCORE;
            } else {
                scores[i] = MAX_SCORE * (max + min - scores[i]) / max;
            }
        }
    }

    private static boolean hasAllKeys(Map<String, String> labels, List<Constraint> constraints) {
        for (Constraint c : constraints) {
            if (!labels.containsKey(c.topologyKey())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.NODE_ADDED, ClusterEvent.NODE_LABELS_CHANGED, ClusterEvent.NODE_TAINTS_CHANGED,
                ClusterEvent.ASSIGNED_POD_ADDED, ClusterEvent.ASSIGNED_POD_CHANGED, ClusterEvent.ASSIGNED_POD_DELETED);
    }
}
