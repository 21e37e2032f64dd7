package io.kaji.scheduler.framework;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable view of the cluster for one scheduling cycle: every node with the pods on it (assumed ones
 * included). Plugins that look across nodes (topology spread, inter-pod affinity) read it in PreFilter/PreScore.
 * Successive snapshots of an unchanged node set share their name index, so the cache refreshes a snapshot in
 * time proportional to what changed (plus one array copy).
 */
public final class Snapshot {

    private final List<NodeInfo> nodes;
    private final Map<String, Integer> index;
    private final List<NodeInfo> withAffinityPods;
    private final List<NodeInfo> withRequiredAntiAffinityPods;

    public Snapshot(List<NodeInfo> nodes) {
        this(List.copyOf(nodes), indexOf(nodes), null, null);
    }

    /**
     * @param affinityNodes     names of the nodes with pods that have (anti-)affinity terms, or null to compute
     * @param antiAffinityNodes names of the nodes with pods that have required anti-affinity, or null to compute
     */
    private Snapshot(List<NodeInfo> nodes, Map<String, Integer> index, Set<String> affinityNodes,
                     Set<String> antiAffinityNodes) {
        this.nodes = nodes;
        this.index = index;
        this.withAffinityPods = affinityNodes == null
                ? nodes.stream().filter(n -> !n.podsWithAffinity().isEmpty()).toList() : byNames(affinityNodes);
        this.withRequiredAntiAffinityPods = antiAffinityNodes == null
                ? nodes.stream().filter(n -> !n.podsWithRequiredAntiAffinity().isEmpty()).toList()
                : byNames(antiAffinityNodes);
    }

    /** A snapshot of {@code nodes} whose affinity bookkeeping the caller (the cache) already knows. */
    public static Snapshot of(List<NodeInfo> nodes, Set<String> affinityNodes, Set<String> antiAffinityNodes) {
        return new Snapshot(List.copyOf(nodes), indexOf(nodes), affinityNodes, antiAffinityNodes);
    }

    public static Snapshot of(NodeInfo... nodes) {
        return new Snapshot(List.of(nodes));
    }

    private static Map<String, Integer> indexOf(List<NodeInfo> nodes) {
        Map<String, Integer> index = new HashMap<>(nodes.size() * 2);
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i).name(), i);
        }
        return Collections.unmodifiableMap(index);
    }

    private List<NodeInfo> byNames(Set<String> names) {
        List<NodeInfo> out = new ArrayList<>(names.size());
        for (String name : names) {
            NodeInfo n = get(name);
            if (n != null) {
                out.add(n);
            }
        }
        return List.copyOf(out);
    }

    /** Whether {@code name} is one of this snapshot's nodes. */
    public boolean contains(String name) {
        return index.containsKey(name);
    }

    /**
     * The same node set with some node infos replaced (each must be a node of this snapshot).
     *
     * @throws IllegalArgumentException if a replacement is not a node of this snapshot
     */
    public Snapshot withReplaced(Collection<NodeInfo> changed, Set<String> affinityNodes, Set<String> antiAffinityNodes) {
        NodeInfo[] array = nodes.toArray(new NodeInfo[0]);
        for (NodeInfo n : changed) {
            Integer i = index.get(n.name());
            if (i == null) {
                throw new IllegalArgumentException("node " + n.name() + " is not in the snapshot");
            }
            array[i] = n;
        }
        return new Snapshot(Collections.unmodifiableList(Arrays.asList(array)), index, affinityNodes, antiAffinityNodes);
    }

    public List<NodeInfo> nodes() {
        return nodes;
    }

    /** The node called {@code name}, or null. */
    public NodeInfo get(String name) {
        Integer i = index.get(name);
        return i == null ? null : nodes.get(i);
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
