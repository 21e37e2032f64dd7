package io.kaji.controllers.gc;

import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ownership graph the garbage collector works on: every watched object by UID, with its owner references
 * and the reverse index (owner UID to dependents). Thread-safe (all methods synchronized).
 */
final class OwnerGraph {

    /** What the collector knows of one object. */
    record Node(String uid, String apiVersion, String kind, String namespace, String name,
                List<OwnerReference> owners, List<String> finalizers, boolean deleting) {
        String describe() {
            return kind + " " + (namespace == null ? "" : namespace + "/") + name;
        }
    }

    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<String, Set<String>> dependents = new HashMap<>();

    synchronized void put(Node node) {
        Node old = nodes.put(node.uid(), node);
        if (old != null) {
            for (OwnerReference r : old.owners()) {
                Set<String> s = dependents.get(r.getUid());
                if (s != null) {
                    s.remove(old.uid());
                    if (s.isEmpty()) {
                        dependents.remove(r.getUid());
                    }
                }
            }
        }
        for (OwnerReference r : node.owners()) {
            dependents.computeIfAbsent(r.getUid(), k -> new HashSet<>()).add(node.uid());
        }
    }

    synchronized Node remove(String uid) {
        Node old = nodes.remove(uid);
        if (old != null) {
            for (OwnerReference r : old.owners()) {
                Set<String> s = dependents.get(r.getUid());
                if (s != null) {
                    s.remove(uid);
                    if (s.isEmpty()) {
                        dependents.remove(r.getUid());
                    }
                }
            }
        }
        return old;
    }

    synchronized Node get(String uid) {
        return nodes.get(uid);
    }

    /** The objects that name {@code ownerUid} among their owners. */
    synchronized List<Node> dependentsOf(String ownerUid) {
        Set<String> s = dependents.get(ownerUid);
        if (s == null) {
            return List.of();
        }
        return s.stream().map(nodes::get).filter(java.util.Objects::nonNull).toList();
    }

    synchronized int size() {
        return nodes.size();
    }
}
