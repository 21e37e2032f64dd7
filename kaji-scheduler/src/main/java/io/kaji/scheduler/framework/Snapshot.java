package io.kaji.scheduler.framework;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable view of the cluster for one scheduling cycle: every node with the pods on it (assumed ones
 * included). Plugins that look across nodes (topology spread, inter-pod affinity) read it in PreFilter/PreScore.
 */
public final class Snapshot {

    private final List<NodeInfo> nodes;
    private final Map<String, NodeInfo> byName;
    private final List<NodeInfo> withAffinityPods;
    private final List<NodeInfo> withRequiredAntiAffinityPods;

    public Snapshot(List<NodeInfo> nodes) {
        this.nodes = List.copyOf(nodes);
        this.byName = new HashMap<>(nodes.size() * 2);
        for (NodeInfo n : nodes) {
            byName.put(n.name(), n);
        }
        this.withAffinityPods = this.nodes.stream().filter(n -> !n.podsWithAffinity().isEmpty()).toList();
        this.withRequiredAntiAffinityPods = this.nodes.stream()
                .filter(n -> !n.podsWithRequiredAntiAffinity().isEmpty()).toList();
    }

    public static Snapshot of(NodeInfo... nodes) {
        return new Snapshot(List.of(nodes));
    }

    public List<NodeInfo> nodes() {
        return nodes;
    }

    /** The node called {@code name}, or null. */
    public NodeInfo get(String name) {
        return byName.get(name);
    }

    public int size() {
        return nodes.size();
    }

    /** Nodes with at least one pod that has (anti-)affinity terms. */
    public List<NodeInfo> nodesWithAffinityPods() {
        return withAffinityPods;
    }

    /** Nodes with at least one pod that has required anti-affinity terms. */
    public List<NodeInfo> nodesWithRequiredAntiAffinityPods() {
        return withRequiredAntiAffinityPods;
    }
}
