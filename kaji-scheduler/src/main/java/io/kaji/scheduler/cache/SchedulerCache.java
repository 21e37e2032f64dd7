package io.kaji.scheduler.cache;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PodInfo;
import io.kaji.scheduler.framework.Snapshot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's picture of the cluster: a {@link NodeInfo} per node with the pods on it, fed by the Node and
 * Pod informers, plus <em>assumed</em> pods. A pod is assumed on its node the moment the scheduler decides, so
 * the next decision already counts it; when the binding comes back through the informer the assumption is
 * confirmed. If the binding fails the assumption is {@linkplain #forgetPod forgotten}; if it succeeded but the
 * pod never shows up bound within the TTL after {@link #finishBinding}, it expires.
 *
 * <p>Thread-safe: informer threads, the scheduling thread and binding threads call it concurrently.
 */
public final class SchedulerCache {

    private static final Logger log = LoggerFactory.getLogger(SchedulerCache.class);

    /** How a pod is known: on which node, and whether only assumed (and until when, once binding finished). */
    private record PodState(PodInfo info, String node, boolean assumed, Instant deadline) {}

    private final Clock clock;
    private final Duration assumedTtl;
    private final Map<String, NodeInfo> nodes = new LinkedHashMap<>();
    private final Map<String, PodState> pods = new HashMap<>();
    private long generation;

    /** Nodes changed since the last snapshot; a node appearing or disappearing forces a full rebuild. */
    private final Set<String> dirty = new HashSet<>();
    private boolean nodeSetChanged = true;
    private long snapshotGeneration = -1;
    private Snapshot snapshot = new Snapshot(List.of());

    /**
     * @param assumedTtl how long an assumed pod whose binding finished may wait for the informer to show it bound
     *                   before it is dropped
     */
    public SchedulerCache(Clock clock, Duration assumedTtl) {
        this.clock = clock;
        this.assumedTtl = assumedTtl;
    }

    private NodeInfo nodeInfo(String name) {
        return nodes.computeIfAbsent(name, NodeInfo::new);
    }

    private void touch(NodeInfo n) {
        n.setGeneration(++generation);
        dirty.add(n.name());
    }

    private void forgetNode(String name) {
        nodes.remove(name);
        nodeSetChanged = true;
        generation++;
    }

    public synchronized void addNode(Node node) {
        NodeInfo n = nodeInfo(node.getMetadata().getName());
        if (n.node() == null) {
            nodeSetChanged = true;
        }
        n.setNode(node);
        touch(n);
    }

    public synchronized void updateNode(Node node) {
        addNode(node);
    }

    /** Removes the node; its pods stay counted until they are deleted (they may still be running there). */
    public synchronized void removeNode(Node node) {
        NodeInfo n = nodes.get(node.getMetadata().getName());
        if (n == null) {
            return;
        }
        if (n.pods().isEmpty()) {
            forgetNode(n.name());
        } else {
            n.clearNode();
            nodeSetChanged = true;
            touch(n);
        }
    }

    /**
     * Marks {@code pod} (whose {@code spec.nodeName} is the chosen node) as placed before the binding is done.
     *
     * @throws IllegalStateException if the pod is already in the cache
     */
    public synchronized void assumePod(Pod pod) {
        assumePod(pod, pod.getSpec().getNodeName());
    }

    /**
     * Marks {@code pod} as placed on {@code node} before the binding is done. The pod object itself is kept (its
     * {@code spec.nodeName} may still be empty: the scheduler does not deep-copy every pod it places, which was
     * a tenth of its cycle); the informer's bound copy replaces it when the binding comes back.
     *
     * @throws IllegalStateException if the pod is already in the cache
     */
    public synchronized void assumePod(Pod pod, String node) {
        String uid = pod.getMetadata().getUid();
        if (pods.containsKey(uid)) {
            throw new IllegalStateException("pod " + key(pod) + " is already in the scheduler cache");
        }
        PodInfo info = PodInfo.of(pod);
        NodeInfo n = nodeInfo(node);
        n.addPod(info);
        touch(n);
        pods.put(uid, new PodState(info, node, true, null));
    }

    /** The binding of an assumed pod succeeded: it expires if the informer does not show it bound within the TTL. */
    public synchronized void finishBinding(Pod pod) {
        PodState s = pods.get(pod.getMetadata().getUid());
        if (s != null && s.assumed()) {
            pods.put(pod.getMetadata().getUid(), new PodState(s.info(), s.node(), true, clock.instant().plus(assumedTtl)));
        }
    }

    /** Drops an assumed pod (its binding failed). No effect on a pod already confirmed by the informer. */
    public synchronized void forgetPod(Pod pod) {
        PodState s = pods.get(pod.getMetadata().getUid());
        if (s != null && s.assumed()) {
            removeFromNode(pod.getMetadata().getUid(), s.node());
            pods.remove(pod.getMetadata().getUid());
        }
    }

    public synchronized boolean isAssumed(String uid) {
        PodState s = pods.get(uid);
        return s != null && s.assumed();
    }

    /** The informer saw a bound pod: confirms an assumption, or adds the pod (moving it if it was assumed elsewhere). */
    public synchronized void addPod(Pod pod) {
        String uid = pod.getMetadata().getUid();
        PodState s = pods.get(uid);
        if (s != null) {
            removeFromNode(uid, s.node());
        }
        PodInfo info = PodInfo.of(pod);
        NodeInfo n = nodeInfo(pod.getSpec().getNodeName());
        n.addPod(info);
        touch(n);
        pods.put(uid, new PodState(info, n.name(), false, null));
    }

    public synchronized void updatePod(Pod pod) {
        addPod(pod);
    }

    public synchronized void removePod(Pod pod) {
        PodState s = pods.remove(pod.getMetadata().getUid());
        if (s != null) {
            removeFromNode(pod.getMetadata().getUid(), s.node());
        }
    }

    private void removeFromNode(String uid, String nodeName) {
        NodeInfo n = nodes.get(nodeName);
        if (n == null) {
            return;
        }
        n.removePod(uid);
        if (n.node() == null && n.pods().isEmpty()) {
            forgetNode(nodeName);
        } else {
            touch(n);
        }
    }

    /** Drops assumed pods whose binding finished longer than the TTL ago without the informer confirming them. */
    public synchronized List<Pod> cleanupExpiredAssumedPods() {
        Instant now = clock.instant();
        List<Pod> expired = new ArrayList<>();
        for (Iterator<Map.Entry<String, PodState>> it = pods.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, PodState> e = it.next();
            PodState s = e.getValue();
            if (s.assumed() && s.deadline() != null && now.isAfter(s.deadline())) {
                log.warn("scheduler cache: assumed pod {} on node {} expired (its binding never showed up)",
                        s.info().key(), s.node());
                it.remove();
                removeFromNode(e.getKey(), s.node());
                expired.add(s.info().pod());
            }
        }
        return expired;
    }

    /**
     * The current nodes (those with a Node object) with their pods, as copies the caller may read without locks.
     * Only node infos that changed since the previous call are copied again.
     */
    public synchronized Snapshot snapshot() {
        if (generation == snapshotGeneration) {
            return snapshot;
        }
        if (!nodeSetChanged) {
            List<NodeInfo> changed = new ArrayList<>(dirty.size());
            for (String name : dirty) {
                NodeInfo n = nodes.get(name);
                if (n != null && n.node() != null) {
                    if (!snapshot.contains(name)) {
                        nodeSetChanged = true; // cannot happen without a node-set change; rebuild to be safe
                        break;
                    }
                    changed.add(n.copy());
                }
            }
            if (!nodeSetChanged) {
                snapshot = snapshot.withReplaced(changed);
            }
        }
        if (nodeSetChanged) {
            List<NodeInfo> list = new ArrayList<>(nodes.size());
            for (NodeInfo n : nodes.values()) {
                if (n.node() != null) {
                    NodeInfo previous = dirty.contains(n.name()) ? null : snapshot.get(n.name());
                    list.add(previous != null ? previous : n.copy());
                }
            }
            snapshot = snapshot.withNodes(list);
            nodeSetChanged = false;
        }
        dirty.clear();
        snapshotGeneration = generation;
        return snapshot;
    }

    public synchronized int nodeCount() {
        return (int) nodes.values().stream().filter(n -> n.node() != null).count();
    }

    public synchronized int podCount() {
        return pods.size();
    }

    private static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }
}
