package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One scheduling profile: its plugins instantiated from a {@link Registry} and grouped by extension point, and
 * the methods that run each extension point with Kubernetes' semantics. Thread-safe as long as its plugins are
 * (filters and scores run concurrently for different nodes).
 */
public final class Profile {

    /** Kubernetes' lower bound on the nodes a cycle looks at before it stops filtering. */
    static final int MIN_FEASIBLE_NODES = 100;
    /** Kubernetes' lower bound on the adaptive percentage of nodes to score. */
    static final int MIN_FEASIBLE_PERCENTAGE = 5;

    private final ProfileConfig config;
    private final List<PreFilterPlugin> preFilters = new ArrayList<>();
    private final List<FilterPlugin> filters = new ArrayList<>();
    private final List<PostFilterPlugin> postFilters = new ArrayList<>();
    private final List<PreScorePlugin> preScores = new ArrayList<>();
    private final List<ScorePlugin> scores = new ArrayList<>();
    private final Map<String, Integer> weights = new HashMap<>();
    private final List<ReservePlugin> reserves = new ArrayList<>();
    private final List<PermitPlugin> permits = new ArrayList<>();
    private final List<PreBindPlugin> preBinds = new ArrayList<>();
    private final List<BindPlugin> binds = new ArrayList<>();
    private final Map<String, Set<ClusterEvent>> wakeEvents = new HashMap<>();

    /**
     * Builds each extension point's plugin list as Kubernetes does: the plugins enabled at that point first (in
     * their order, for Score with their weight), then the multiPoint plugins that implement the point, unless
     * disabled there by name or by {@code "*"}. A plugin named at several points is one instance.
     */
    public Profile(ProfileConfig config, Registry registry) {
        this.config = config;
        Map<String, Plugin> instances = new LinkedHashMap<>();
        for (String point : ProfileConfig.POINTS) {
            ProfileConfig.PointSet set = config.point(point);
            Map<String, ProfileConfig.Enabled> here = new LinkedHashMap<>();
            for (ProfileConfig.Enabled e : set.enabled()) {
                here.put(e.name(), e);
            }
            if (!set.disabled().contains("*")) {
                for (ProfileConfig.Enabled e : config.plugins()) {
                    if (!set.disabled().contains(e.name())) {
                        here.putIfAbsent(e.name(), e);
                    }
                }
            }
            for (ProfileConfig.Enabled e : here.values()) {
                Plugin p = instances.computeIfAbsent(e.name(), name -> registry.create(name,
                        config.pluginArgs().getOrDefault(name, PluginArgs.NONE), this::runFilter));
                boolean implemented = add(point, p, e.weight());
                if (!implemented && set.enabled().contains(e)) {
                    throw new IllegalArgumentException("profile " + config.schedulerName() + ": plugin " + e.name()
                            + " is enabled at " + point + " but has no " + point + " extension");
                }
            }
        }
        for (Plugin p : instances.values()) {
            wakeEvents.put(p.name(), p instanceof EnqueueExtensions x ? Set.copyOf(x.events()) : ClusterEvent.ALL);
        }
        if (binds.isEmpty()) {
            throw new IllegalArgumentException("profile " + config.schedulerName() + " has no Bind plugin");
        }
    }

    /** Adds {@code p} to {@code point}'s list if it implements that point; returns whether it does. */
    private boolean add(String point, Plugin p, int weight) {
        return switch (point) {
            case "preFilter" -> p instanceof PreFilterPlugin x && preFilters.add(x);
            case "filter" -> p instanceof FilterPlugin x && filters.add(x);
            case "postFilter" -> p instanceof PostFilterPlugin x && postFilters.add(x);
            case "preScore" -> p instanceof PreScorePlugin x && preScores.add(x);
            case "score" -> p instanceof ScorePlugin x && addScore(x, weight);
            case "reserve" -> p instanceof ReservePlugin x && reserves.add(x);
            case "permit" -> p instanceof PermitPlugin x && permits.add(x);
            case "preBind" -> p instanceof PreBindPlugin x && preBinds.add(x);
            case "bind" -> p instanceof BindPlugin x && binds.add(x);
            default -> throw new IllegalArgumentException("unknown extension point " + point);
        };
    }

    private boolean addScore(ScorePlugin p, int weight) {
        weights.put(p.name(), Math.max(1, weight));
        return scores.add(p);
    }

    public String schedulerName() {
        return config.schedulerName();
    }

    public ProfileConfig config() {
        return config;
    }

    /**
     * How many feasible nodes a cycle looks for before it stops filtering, Kubernetes'
     * {@code numFeasibleNodesToFind}: every node in clusters under 100 nodes; otherwise the configured percentage
     * or, by default, {@code 50 - nodes/125} percent (at least 5%), and never fewer than 100 nodes.
     */
    public int numFeasibleNodesToFind(int allNodes) {
        int percentage = config.percentageOfNodesToScore();
        if (allNodes < MIN_FEASIBLE_NODES || percentage >= 100) {
            return allNodes;
        }
        if (percentage <= 0) {
            percentage = Math.max(MIN_FEASIBLE_PERCENTAGE, 50 - allNodes / 125);
        }
        int n = (int) ((long) allNodes * percentage / 100);
        return Math.max(n, MIN_FEASIBLE_NODES);
    }

    /** The Filter plugins a cycle runs: those whose PreFilter did not skip, fixed once PreFilter is done. */
    private static final CycleState.Key<FilterPlugin[]> ACTIVE_FILTERS = new CycleState.Key<>("Profile/activeFilters");

    /** Runs the PreFilter plugins; the first rejection or error ends the phase (attributed to its plugin). */
    public Status runPreFilter(CycleState state, Pod pod) {
        for (PreFilterPlugin p : preFilters) {
            Status s = p.preFilter(state, pod);
            if (s.isSkip()) {
                state.skipFilterPlugins().add(p.name());
            } else if (!s.isSuccess()) {
                return s.withPlugin(p.name());
            }
        }
        // Filter runs for hundreds of nodes per cycle: look the skipped plugins up once, not per node and plugin.
        state.write(ACTIVE_FILTERS, activeFilters(state));
        return Status.success();
    }

    private FilterPlugin[] activeFilters(CycleState state) {
        List<FilterPlugin> active = new ArrayList<>(filters.size());
        for (FilterPlugin p : filters) {
            if (!state.skipFilterPlugins().contains(p.name())) {
                active.add(p);
            }
        }
        return active.toArray(new FilterPlugin[0]);
    }

    /** Runs the Filter plugins on one node until one rejects it. */
    public Status runFilter(CycleState state, Pod pod, NodeInfo node) {
        FilterPlugin[] active = state.read(ACTIVE_FILTERS);
        for (FilterPlugin p : active != null ? active : activeFilters(state)) {
            Status s = p.filter(state, pod, node);
            if (!s.isSuccess()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.success();
    }

    /** Runs the PostFilter plugins until one succeeds; otherwise the last rejection (with its message). */
    public PostFilterPlugin.Result runPostFilter(CycleState state, Pod pod, Map<String, Status> nodeStatuses) {
        PostFilterPlugin.Result last = PostFilterPlugin.Result.rejected(Status.unschedulable());
        for (PostFilterPlugin p : postFilters) {
            PostFilterPlugin.Result r = p.postFilter(state, pod, nodeStatuses);
            if (r.status().isSuccess() || r.status().code() == Status.Code.ERROR) {
                return r;
            }
            last = r;
        }
        return last;
    }

    public boolean hasPostFilters() {
        return !postFilters.isEmpty();
    }

    /** Runs the PreScore plugins; Skip drops that plugin's Score for this cycle. */
    public Status runPreScore(CycleState state, Pod pod, List<NodeInfo> nodes) {
        for (PreScorePlugin p : preScores) {
            Status s = p.preScore(state, pod, nodes);
            if (s.isSkip()) {
                state.skipScorePlugins().add(p.name());
            } else if (!s.isSuccess()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.success();
    }

    /**
     * Scores {@code nodes}: each Score plugin scores every node, normalizes, and is weighted; the result is the
     * weighted sum per node, aligned with {@code nodes}.
     */
    public long[] runScore(CycleState state, Pod pod, List<NodeInfo> nodes) {
        return runScore(state, pod, nodes, Parallelizer.sequential());
    }

    /** {@link #runScore(CycleState, Pod, List)} with each plugin's per-node scores computed on {@code parallel}. */
    public long[] runScore(CycleState state, Pod pod, List<NodeInfo> nodes, Parallelizer parallel) {
        long[] total = new long[nodes.size()];
        int chunk = parallel.chunkSize(nodes.size());
        int chunks = (nodes.size() + chunk - 1) / chunk;
        for (ScorePlugin p : scores) {
            if (state.skipScorePlugins().contains(p.name())) {
                continue;
            }
            long[] s = new long[nodes.size()];
            parallel.run(chunks, c -> {
                for (int i = c * chunk; i < Math.min(s.length, (c + 1) * chunk); i++) {
                    s[i] = p.score(state, pod, nodes.get(i));
                }
            }, () -> false);
            p.normalize(state, pod, nodes, s);
            int weight = weights.get(p.name());
            for (int i = 0; i < s.length; i++) {
                if (s[i] < 0 || s[i] > ScorePlugin.MAX_SCORE) {
                    throw new IllegalStateException("plugin " + p.name() + " scored node " + nodes.get(i).name()
                            + " " + s[i] + ", outside [0, " + ScorePlugin.MAX_SCORE + "]");
                }
                total[i] += s[i] * weight;
            }
        }
        return total;
    }

    public boolean hasScorers() {
        return !scores.isEmpty();
    }

    /** Runs Reserve; on a failure, unreserves every Reserve plugin (in reverse) and returns it. */
    public Status runReserve(CycleState state, Pod pod, String nodeName) {
        for (ReservePlugin p : reserves) {
            Status s = p.reserve(state, pod, nodeName);
            if (!s.isSuccess()) {
                runUnreserve(state, pod, nodeName);
                return s.withPlugin(p.name());
            }
        }
        return Status.success();
    }

    /** Undoes Reserve, in reverse order. */
    public void runUnreserve(CycleState state, Pod pod, String nodeName) {
        for (int i = reserves.size() - 1; i >= 0; i--) {
            reserves.get(i).unreserve(state, pod, nodeName);
        }
    }

    public Status runPermit(CycleState state, Pod pod, String nodeName) {
        for (PermitPlugin p : permits) {
            Status s = p.permit(state, pod, nodeName);
            if (s.code() == Status.Code.WAIT) {
                return Status.error("permit plugin " + p.name() + " asked to wait, which Kaji does not support")
                        .withPlugin(p.name());
            }
            if (!s.isSuccess()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.success();
    }

    public Status runPreBind(CycleState state, Pod pod, String nodeName) {
        for (PreBindPlugin p : preBinds) {
            Status s = p.preBind(state, pod, nodeName);
            if (!s.isSuccess()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.success();
    }

    /** Runs the Bind plugins until one does not skip. */
    public Status runBind(CycleState state, Pod pod, String nodeName) {
        for (BindPlugin p : binds) {
            Status s = p.bind(state, pod, nodeName);
            if (!s.isSkip()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.error("no bind plugin bound the pod");
    }

    /**
     * The cluster events that could make a pod schedulable again, given the plugins that rejected it; every event
     * when none is known (the pod failed for another reason).
     */
    public Set<ClusterEvent> wakeEvents(Set<String> rejectingPlugins) {
        if (rejectingPlugins.isEmpty()) {
            return ClusterEvent.ALL;
        }
        Set<ClusterEvent> events = EnumSet.noneOf(ClusterEvent.class);
        for (String name : rejectingPlugins) {
            events.addAll(wakeEvents.getOrDefault(name, ClusterEvent.ALL));
        }
        return events;
    }
}
