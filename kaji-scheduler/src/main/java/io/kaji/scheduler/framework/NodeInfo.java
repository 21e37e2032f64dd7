package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One node and what is placed on it: its pods (bound and assumed), the sum of their requests, and the host ports
 * they hold. The node fields that every Filter reads for every node ({@code spec.unschedulable}, {@code
 * spec.taints}) are kept here as well: reading them through the fabric8 {@code Node} and its {@code NodeSpec}
 * costs two more cache misses per node, which was a third of the scheduling thread's time at 5,000 nodes. For the
 * same reason the four standard amounts of {@link #allocatable}, {@link #requested} and {@link #nonZeroRequested}
 * are kept as fields of their own ({@link #allocatable(int)} and the like), read by NodeResourcesFit and
 * BalancedAllocation for every node of a cycle. The cache mutates its own NodeInfos under its lock; plugins only
 * ever see {@link #copy() copies} taken into a {@link Snapshot}, which nobody mutates.
 */
public final class NodeInfo {

    private final String name;
    private Node node;
    private Resources allocatable = Resources.ZERO;
    private Map<String, Long> imageSizes = Map.of();
    private Map<String, String> labels = Map.of();
    private boolean unschedulable;
    private List<io.fabric8.kubernetes.api.model.Taint> taints = List.of();
    private final List<PodInfo> pods;
    private final List<PodInfo> podsWithAffinity;
    private final List<PodInfo> podsWithRequiredAntiAffinity;
    private Resources requested;
    private Resources nonZeroRequested;
    // allocatable, requested and nonZeroRequested's cpu, memory, ephemeral-storage and pods (see the class comment)
    private long allocCpu, allocMemory, allocStorage, allocPods;
    private long reqCpu, reqMemory, reqStorage, reqPods;
    private long nzCpu, nzMemory, nzStorage, nzPods;
    private final List<HostPort> usedPorts;
    private long generation;

    /** A node info for {@code node} with no pods yet. */
    public NodeInfo(Node node) {
        this(node.getMetadata().getName());
        setNode(node);
    }

    /** A node info for pods seen before their node (the node object arrives later). */
    public NodeInfo(String name) {
        this.name = name;
        this.pods = new ArrayList<>();
        this.podsWithAffinity = new ArrayList<>();
        this.podsWithRequiredAntiAffinity = new ArrayList<>();
        this.requested = Resources.ZERO;
        this.nonZeroRequested = Resources.ZERO;
        this.usedPorts = new ArrayList<>();
    }

    private NodeInfo(NodeInfo o) {
        this.name = o.name;
        this.node = o.node;
        this.allocatable = o.allocatable;
        this.imageSizes = o.imageSizes;
        this.labels = o.labels;
        this.unschedulable = o.unschedulable;
        this.taints = o.taints;
        this.pods = new ArrayList<>(o.pods);
        this.podsWithAffinity = new ArrayList<>(o.podsWithAffinity);
        this.podsWithRequiredAntiAffinity = new ArrayList<>(o.podsWithRequiredAntiAffinity);
        this.requested = o.requested;
        this.nonZeroRequested = o.nonZeroRequested;
        amountsChanged();
        this.usedPorts = new ArrayList<>(o.usedPorts);
        this.generation = o.generation;
    }

    /** A convenience for tests and plugins: a node info with these pods. */
    public static NodeInfo of(Node node, io.fabric8.kubernetes.api.model.Pod... pods) {
        NodeInfo n = new NodeInfo(node);
        for (var p : pods) {
            n.addPod(PodInfo.of(p));
        }
        return n;
    }

    public String name() {
        return name;
    }

    /** The node object; null while only pods of a not-yet-seen node are known. */
    public Node node() {
        return node;
    }

    /**
     * The node's labels: an immutable copy, kept here, with every key and value {@linkplain String#intern()
     * interned}. Filter and Score read a label of every node they evaluate; through the {@code Node}, its metadata
     * and a {@code LinkedHashMap}, then comparing the value byte by byte with the equal strings that key the
     * plugins' count maps, that cost more than every other filter together with a zone spread constraint at 5,000
     * nodes. Interned, "zone-a" is one object shared by every node of the zone, equal to the count maps' keys by
     * identity, and the topology keys plugins look up (interned by their constraints and terms) are found by
     * identity as well.
     */
    public Map<String, String> labels() {
        return labels;
    }

    public Resources allocatable() {
        return allocatable;
    }

    /** {@code allocatable().standard(index)}, read without leaving this object. */
    public long allocatable(int index) {
        return switch (index) {
            case Resources.CPU_INDEX -> allocCpu;
            case Resources.MEMORY_INDEX -> allocMemory;
            case Resources.EPHEMERAL_STORAGE_INDEX -> allocStorage;
            case Resources.PODS_INDEX -> allocPods;
            default -> throw new IllegalArgumentException("not a standard resource index: " + index);
        };
    }

    /** {@code requested().standard(index)}, read without leaving this object. */
    public long requested(int index) {
        return switch (index) {
            case Resources.CPU_INDEX -> reqCpu;
            case Resources.MEMORY_INDEX -> reqMemory;
            case Resources.EPHEMERAL_STORAGE_INDEX -> reqStorage;
            case Resources.PODS_INDEX -> reqPods;
            default -> throw new IllegalArgumentException("not a standard resource index: " + index);
        };
    }

    /** {@code nonZeroRequested().standard(index)}, read without leaving this object. */
    public long nonZeroRequested(int index) {
        return switch (index) {
            case Resources.CPU_INDEX -> nzCpu;
            case Resources.MEMORY_INDEX -> nzMemory;
            case Resources.EPHEMERAL_STORAGE_INDEX -> nzStorage;
            case Resources.PODS_INDEX -> nzPods;
            default -> throw new IllegalArgumentException("not a standard resource index: " + index);
        };
    }

    private void amountsChanged() {
        allocCpu = allocatable.milliCpu();
        allocMemory = allocatable.memory();
        allocStorage = allocatable.ephemeralStorage();
        allocPods = allocatable.pods();
        reqCpu = requested.milliCpu();
        reqMemory = requested.memory();
        reqStorage = requested.ephemeralStorage();
        reqPods = requested.pods();
        nzCpu = nonZeroRequested.milliCpu();
        nzMemory = nonZeroRequested.memory();
        nzStorage = nonZeroRequested.ephemeralStorage();
        nzPods = nonZeroRequested.pods();
    }

    /** The node's {@code spec.unschedulable} (cordoned); false while the node object is unknown. */
    public boolean unschedulable() {
        return unschedulable;
    }

    /** The node's {@code spec.taints}; empty while the node object is unknown. */
    public List<io.fabric8.kubernetes.api.model.Taint> taints() {
        return taints;
    }

    /**
     * The images the node reports in {@code status.images}: every name of each image, normalized with
     * {@link ImageNames#normalize}, to the image's size in bytes.
     */
    public Map<String, Long> imageSizes() {
        return imageSizes;
    }

    /** The sum of the requests of the pods on this node (pod count included). */
    public Resources requested() {
        return requested;
    }

    /** Like {@link #requested} with Kubernetes' non-zero defaults for request-less containers. */
    public Resources nonZeroRequested() {
        return nonZeroRequested;
    }

    public List<PodInfo> pods() {
        return Collections.unmodifiableList(pods);
    }

    public List<PodInfo> podsWithAffinity() {
        return Collections.unmodifiableList(podsWithAffinity);
    }

    public List<PodInfo> podsWithRequiredAntiAffinity() {
        return Collections.unmodifiableList(podsWithRequiredAntiAffinity);
    }

    public List<HostPort> usedPorts() {
        return Collections.unmodifiableList(usedPorts);
    }

    /** Changes whenever this node info changes; the cache uses it to refresh snapshots incrementally. */
    public long generation() {
        return generation;
    }

    public void setGeneration(long generation) {
        this.generation = generation;
    }

    public void setNode(Node node) {
        this.node = node;
        this.allocatable = node.getStatus() == null ? Resources.ZERO : Resources.of(node.getStatus().getAllocatable());
        this.imageSizes = ImageNames.sizes(node);
        this.labels = interned(node.getMetadata() == null ? null : node.getMetadata().getLabels());
        var spec = node.getSpec();
        this.unschedulable = spec != null && Boolean.TRUE.equals(spec.getUnschedulable());
        this.taints = spec == null || spec.getTaints() == null ? List.of() : List.copyOf(spec.getTaints());
        amountsChanged();
    }

    private static Map<String, String> interned(Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return Map.of();
        }
        @SuppressWarnings("unchecked")
        Map.Entry<String, String>[] entries = new Map.Entry[labels.size()];
        int i = 0;
        for (Map.Entry<String, String> e : labels.entrySet()) {
            entries[i++] = Map.entry(e.getKey().intern(), e.getValue() == null ? "" : e.getValue().intern());
        }
        return Map.ofEntries(entries);
    }

    public void clearNode() {
        this.node = null;
        this.allocatable = Resources.ZERO;
        this.imageSizes = Map.of();
        this.labels = Map.of();
        this.unschedulable = false;
        this.taints = List.of();
        amountsChanged();
    }

    public void addPod(PodInfo p) {
        pods.add(p);
        if (p.hasAffinity()) {
            podsWithAffinity.add(p);
        }
        if (p.hasRequiredAntiAffinity()) {
            podsWithRequiredAntiAffinity.add(p);
        }
        requested = requested.plus(p.requests());
        nonZeroRequested = nonZeroRequested.plus(p.nonZeroRequests());
        amountsChanged();
        usedPorts.addAll(p.hostPorts());
    }

    /** Removes the pod with {@code uid}; returns false if it was not here. */
    public boolean removePod(String uid) {
        for (int i = 0; i < pods.size(); i++) {
            PodInfo p = pods.get(i);
            if (p.uid().equals(uid)) {
                pods.remove(i);
                podsWithAffinity.removeIf(a -> a.uid().equals(uid));
                podsWithRequiredAntiAffinity.removeIf(a -> a.uid().equals(uid));
                requested = requested.minus(p.requests());
                nonZeroRequested = nonZeroRequested.minus(p.nonZeroRequests());
                amountsChanged();
                for (HostPort hp : p.hostPorts()) {
                    usedPorts.remove(hp);
                }
                return true;
            }
        }
        return false;
    }

    /** An independent copy (the pod objects are shared; they are immutable by contract). */
    public NodeInfo copy() {
        return new NodeInfo(this);
    }

    @Override
    public String toString() {
        return "NodeInfo[" + name + ", pods=" + pods.size() + ", requested=" + requested + "]";
    }
}
