package io.kaji.scheduler.framework;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable view of the cluster for one scheduling cycle: every node with the pods on it (assumed ones
 * included). Plugins that look across nodes (topology spread, inter-pod affinity) read it in PreFilter/PreScore.
 * Successive snapshots of an unchanged node set share their name index, so the cache refreshes a snapshot in
 * time proportional to what changed (plus one array copy); so does the {@link TopologyIndex} they hand on.
 */
public final class Snapshot {

    /** The nodes; never changed once the snapshot exists ({@link #nodes} is a read-only view of it). */
    private final NodeInfo[] array;
    private final List<NodeInfo> nodes;
    private final Map<String, Integer> index;
    private List<NodeInfo> withAffinityPods;
    private List<NodeInfo> withRequiredAntiAffinityPods;
    /** The lineage's topology index and the version that matches this snapshot (null: built on first use). */
    private TopologyIndex topology;
    private long topologyVersion;

    public Snapshot(List<NodeInfo> nodes) {
        this(nonNull(nodes.toArray(new NodeInfo[0])), indexOf(nodes), null);
    }

    private static NodeInfo[] nonNull(NodeInfo[] array) {
        for (NodeInfo n : array) {
            java.util.Objects.requireNonNull(n, "node info");
        }
        return array;
    }

    /**
     * @param array    the nodes, owned by the snapshot from now on
     * @param topology the topology index already advanced to these nodes, or null to build on first use
     */
    private Snapshot(NodeInfo[] array, Map<String, Integer> index, TopologyIndex topology) {
        this.array = array;
        this.nodes = Collections.unmodifiableList(Arrays.asList(array));
        this.index = index;
        this.topology = topology;
        this.topologyVersion = topology == null ? 0 : topology.version();
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

    /** Whether {@code name} is one of this snapshot's nodes. */
    public boolean contains(String name) {
        return index.containsKey(name);
    }

    /**
     * The same node set with some node infos replaced (each must be a node of this snapshot). If this snapshot's
     * topology index is in use and current, it is advanced by the replaced nodes' differences and handed on.
     *
     * @throws IllegalArgumentException if a replacement is not a node of this snapshot
     */
    public synchronized Snapshot withReplaced(Collection<NodeInfo> changed) {
        // One array copy per scheduling cycle (a pod assumed changes a node): a clone, not a typed toArray, which
        // checks every element's type.
        NodeInfo[] array = this.array.clone();
        List<NodeInfo> before = new ArrayList<>(changed.size());
        List<NodeInfo> after = new ArrayList<>(changed.size());
        for (NodeInfo n : changed) {
            Integer i = index.get(n.name());
            if (i == null) {
                throw new IllegalArgumentException("node " + n.name() + " is not in the snapshot");
            }
            before.add(array[i]);
            after.add(n);
            array[i] = n;
        }
        Snapshot next = new Snapshot(array, index, null);
        TopologyIndex carried = currentTopology();
        if (carried != null) {
            carried.advance(next.nodes, before, after);
            next.topology = carried;
            next.topologyVersion = carried.version();
        }
        return next;
    }

    /**
     * A snapshot of another node set (nodes came or went); node infos shared with this snapshot are recognized by
     * identity, so the topology index, if in use, is advanced by what differs rather than rebuilt.
     */
    public synchronized Snapshot withNodes(List<NodeInfo> newNodes) {
        NodeInfo[] array = nonNull(newNodes.toArray(new NodeInfo[0]));
        List<NodeInfo> list = Collections.unmodifiableList(Arrays.asList(array));
        TopologyIndex carried = currentTopology();
        if (carried != null) {
            Map<NodeInfo, Boolean> old = new IdentityHashMap<>(nodes.size() * 2);
            for (NodeInfo n : nodes) {
                old.put(n, Boolean.TRUE);
            }
            List<NodeInfo> before = new ArrayList<>();
            List<NodeInfo> after = new ArrayList<>();
            for (NodeInfo n : list) {
                if (old.remove(n) == null) {
                    before.add(null);
                    after.add(n);
                }
            }
            for (NodeInfo n : old.keySet()) {
                before.add(n);
                after.add(null);
            }
            carried.advance(list, before, after);
        }
        return new Snapshot(array, indexOf(list), carried);
    }

    /** This snapshot's topology index if it was built and is still at this snapshot's version, else null. */
    private TopologyIndex currentTopology() {
        return topology != null && topology.version() == topologyVersion ? topology : null;
    }

    /**
     * Pod counts per topology domain for these nodes (see {@link TopologyIndex}). The first call in a lineage
     * builds the index; later snapshots taken by the cache receive it advanced by what changed. A snapshot that
     * is no longer the newest of its lineage builds a fresh index of its own, so the answer always matches this
     * snapshot's nodes. Call from the scheduling cycle that owns the snapshot.
     */
    public synchronized TopologyIndex topologyIndex() {
        TopologyIndex t = currentTopology();
        if (t == null) {
            t = TopologyIndex.of(nodes);
            topology = t;
            topologyVersion = t.version();
        }
        return t;
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

    /** Nodes with at least one pod that has (anti-)affinity terms (computed on first use). */
    public synchronized List<NodeInfo> nodesWithAffinityPods() {
        if (withAffinityPods == null) {
            withAffinityPods = nodes.stream().filter(n -> !n.podsWithAffinity().isEmpty()).toList();
        }
        return withAffinityPods;
    }

    /** Nodes with at least one pod that has required anti-affinity terms (computed on first use). */
    public synchronized List<NodeInfo> nodesWithRequiredAntiAffinityPods() {
        if (withRequiredAntiAffinityPods == null) {
            withRequiredAntiAffinityPods = nodes.stream()
                    .filter(n -> !n.podsWithRequiredAntiAffinity().isEmpty()).toList();
        }
        return withRequiredAntiAffinityPods;
    }
}
