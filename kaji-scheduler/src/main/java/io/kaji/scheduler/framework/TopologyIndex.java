package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.controllers.runtime.Selectors;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Pod counts per topology domain, kept up to date from one {@link Snapshot} to the next instead of recounted by
 * every scheduling cycle. Inter-pod affinity and topology spreading ask "how many pods matching this selector are
 * in each zone / on each node" for every pod they schedule; scanning every pod of the cluster for that made each
 * cycle cost O(pods). Here the answer is computed once, and each new snapshot only applies the difference between
 * the old and new copies of the nodes that changed (a pod assumed, confirmed, forgotten or deleted; a node's
 * labels changed), so a cycle pays O(pods that changed).
 *
 * <p>Four kinds of counts:
 * <ul>
 *   <li>{@link #podCounts(PodQuery)}: pods matching a query, per value of its topology key. Registered on first
 *       use and then maintained; at most {@link #MAX_QUERIES} are kept (least recently used dropped).</li>
 *   <li>{@link #domains(String)}: nodes per value of a topology key (the domains that exist, empty or not).</li>
 *   <li>{@link #forEachExistingTerm}: the (anti-)affinity terms the existing pods declare, grouped by identical
 *       term, with the summed weight of the pods declaring each per domain — what Kubernetes' InterPodAffinity
 *       gathers by walking every pod with affinity.</li>
 *   <li>{@link #imageNodes()}: nodes per image they report, ImageLocality's spread factor (Kubernetes keeps it
 *       in its snapshot's image states for the same reason).</li>
 * </ul>
 *
 * <p>Threading: one index belongs to one snapshot lineage. {@link Snapshot} advances it under the scheduler
 * cache's lock when the scheduling thread takes the next snapshot; between two advances it is only read (the
 * maps returned are read-only views, valid until the next snapshot is taken). A snapshot that is no longer the
 * newest of its lineage builds a fresh index of its own instead (see {@link Snapshot#topologyIndex()}).
 */
public final class TopologyIndex {

    /** Most pod queries maintained at once; each costs one selector match per changed pod per snapshot. */
    public static final int MAX_QUERIES = 64;
    /** Most topology keys whose domains are maintained at once. */
    public static final int MAX_DOMAIN_KEYS = 16;

    /**
     * Pods selected by {@code selector} in {@code namespaces} (every namespace if {@code allNamespaces}), counted
     * per value of the node label {@code topologyKey}; pods being deleted are left out if {@code skipTerminating}
     * (as topology spreading does, while inter-pod affinity counts them).
     */
    public record PodQuery(String topologyKey, LabelSelector selector, Set<String> namespaces, boolean allNamespaces,
                           boolean skipTerminating) {

        public PodQuery {
            namespaces = Set.copyOf(namespaces);
        }

        /** The pods an (anti-)affinity term selects, per domain of its topology key. */
        public static PodQuery of(AffinityTerm t) {
            return new PodQuery(t.topologyKey(), t.selector(), t.namespaces(), t.allNamespaces(), false);
        }

        public boolean matches(Pod pod) {
            var m = pod.getMetadata();
            return (allNamespaces || namespaces.contains(m.getNamespace()))
                    && (!skipTerminating || m.getDeletionTimestamp() == null)
                    && Selectors.matches(selector, m.getLabels());
        }
    }

    /** The four kinds of pod (anti-)affinity terms, as declared by existing pods. */
    public enum TermKind {
        REQUIRED_AFFINITY, REQUIRED_ANTI_AFFINITY, PREFERRED_AFFINITY, PREFERRED_ANTI_AFFINITY;

        List<AffinityTerm> of(AffinityTerms t) {
            return switch (this) {
                case REQUIRED_AFFINITY -> t.requiredAffinity();
                case REQUIRED_ANTI_AFFINITY -> t.requiredAntiAffinity();
                case PREFERRED_AFFINITY -> t.preferredAffinity();
                case PREFERRED_ANTI_AFFINITY -> t.preferredAntiAffinity();
            };
        }
    }

    private List<NodeInfo> nodes;
    private long version;
    private final Map<PodQuery, Map<String, Integer>> queries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PodQuery, Map<String, Integer>> eldest) {
            return size() > MAX_QUERIES;
        }
    };
    private final Map<String, Map<String, Integer>> domains = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, Integer>> eldest) {
            return size() > MAX_DOMAIN_KEYS;
        }
    };
    /** Per kind: term (weight 0) → domain value → summed weight of the existing pods declaring it there. */
    private final Map<TermKind, Map<AffinityTerm, Map<String, Long>>> existingTerms = new EnumMap<>(TermKind.class);
    /** Normalized image name → nodes reporting it, and how many nodes report any image (ImageLocality). */
    private final Map<String, Integer> imageNodes = new HashMap<>();
    private int nodesWithImages;

    private TopologyIndex(List<NodeInfo> nodes) {
        this.nodes = nodes;
        for (TermKind k : TermKind.values()) {
            existingTerms.put(k, new HashMap<>());
        }
        for (NodeInfo n : nodes) {
            images(n, 1);
            Map<String, String> labels = n.labels();
            for (PodInfo p : n.podsWithAffinity()) {
                addTerms(p, labels, 1);
            }
        }
    }

    /** An index of {@code nodes} (the existing pods' terms are gathered now, the rest on first use). */
    public static TopologyIndex of(List<NodeInfo> nodes) {
        return new TopologyIndex(nodes);
    }

    /** Advances with each snapshot; a snapshot reads this index only while the versions agree. */
    long version() {
        return version;
    }

    /**
     * Moves the index to {@code newNodes}: {@code before.get(i)} was replaced by {@code after.get(i)}; a null
     * {@code after} entry is a node that left, a null {@code before} one that arrived. Pods are compared by
     * identity (node copies share their {@link PodInfo}s), so a node that gained one pod costs one pod's update.
     */
    void advance(List<NodeInfo> newNodes, List<NodeInfo> before, List<NodeInfo> after) {
        for (int i = 0; i < before.size(); i++) {
            NodeInfo old = before.get(i);
            NodeInfo now = after.get(i);
            if (old != null && now != null && old.labels().equals(now.labels())) {
                changedPods(old, now);
                if (old.imageSizes() != now.imageSizes()) {
                    images(old, -1);
                    images(now, 1);
                }
            } else {
                if (old != null) {
                    wholeNode(old, -1);
                }
                if (now != null) {
                    wholeNode(now, 1);
                }
            }
        }
        nodes = newNodes;
        version++;
    }

    private void changedPods(NodeInfo old, NodeInfo now) {
        Map<String, String> labels = now.labels();
        Map<PodInfo, Boolean> gone = new IdentityHashMap<>(old.pods().size() * 2);
        for (PodInfo p : old.pods()) {
            gone.put(p, Boolean.TRUE);
        }
        for (PodInfo p : now.pods()) {
            if (gone.remove(p) == null) {
                pod(p, labels, 1);
            }
        }
        for (PodInfo p : gone.keySet()) {
            pod(p, labels, -1);
        }
    }

    private void images(NodeInfo n, int sign) {
        if (n.imageSizes().isEmpty()) {
            return;
        }
        nodesWithImages += sign;
        for (String image : n.imageSizes().keySet()) {
            addCount(imageNodes, image, sign);
        }
    }

    private void wholeNode(NodeInfo n, int sign) {
        images(n, sign);
        Map<String, String> labels = n.labels();
        for (PodInfo p : n.pods()) {
            pod(p, labels, sign);
        }
        for (Map.Entry<String, Map<String, Integer>> e : domains.entrySet()) {
            String v = labels.get(e.getKey());
            if (v != null) {
                addCount(e.getValue(), v, sign);
            }
        }
    }

    private void pod(PodInfo p, Map<String, String> labels, int sign) {
        if (p.hasAffinity()) {
            addTerms(p, labels, sign);
        }
        for (Map.Entry<PodQuery, Map<String, Integer>> e : queries.entrySet()) {
            PodQuery q = e.getKey();
            String v = labels.get(q.topologyKey());
            if (v != null && q.matches(p.pod())) {
                addCount(e.getValue(), v, sign);
            }
        }
    }

    private void addTerms(PodInfo p, Map<String, String> labels, int sign) {
        for (TermKind kind : TermKind.values()) {
            for (AffinityTerm t : kind.of(p.affinityTerms())) {
                String v = labels.get(t.topologyKey());
                if (v == null || t.weight() == 0) {
                    continue;
                }
                AffinityTerm key = t.withWeight(0);
                Map<AffinityTerm, Map<String, Long>> byTerm = existingTerms.get(kind);
                Map<String, Long> byValue = byTerm.computeIfAbsent(key, k -> new HashMap<>());
                long sum = byValue.getOrDefault(v, 0L) + (long) sign * t.weight();
                if (sum == 0) {
                    byValue.remove(v);
                    if (byValue.isEmpty()) {
                        byTerm.remove(key);
                    }
                } else {
                    byValue.put(v, sum);
                }
            }
        }
    }

    private static void addCount(Map<String, Integer> counts, String value, int delta) {
        int n = counts.getOrDefault(value, 0) + delta;
        if (n == 0) {
            counts.remove(value);
        } else {
            counts.put(value, n);
        }
    }

    /**
     * Pods matching {@code q} per value of its topology key (nodes without the key count nowhere); values with no
     * matching pod are absent. A read-only view, valid until the next snapshot is taken.
     */
    public Map<String, Integer> podCounts(PodQuery q) {
        Map<String, Integer> counts = queries.get(q);
        if (counts == null) {
            counts = new HashMap<>();
            for (NodeInfo n : nodes) {
                String v = n.labels().get(q.topologyKey());
                if (v == null) {
                    continue;
                }
                for (PodInfo p : n.pods()) {
                    if (q.matches(p.pod())) {
                        counts.merge(v, 1, Integer::sum);
                    }
                }
            }
            queries.put(q, counts);
        }
        return Collections.unmodifiableMap(counts);
    }

    /** Nodes per value of the label {@code topologyKey} (the domains that exist). A read-only view, as above. */
    public Map<String, Integer> domains(String topologyKey) {
        Map<String, Integer> byValue = domains.get(topologyKey);
        if (byValue == null) {
            byValue = new HashMap<>();
            for (NodeInfo n : nodes) {
                String v = n.labels().get(topologyKey);
                if (v != null) {
                    byValue.merge(v, 1, Integer::sum);
                }
            }
            domains.put(topologyKey, byValue);
        }
        return Collections.unmodifiableMap(byValue);
    }

    /**
     * Calls {@code action} with each distinct {@code kind} term that existing pods declare (weight set to 0) and
     * the summed weights of the declaring pods per value of the term's topology key (required terms weigh 1 per
     * pod, so the sum is a count). Terms on nodes without their topology key are left out, as they never apply.
     */
    public void forEachExistingTerm(TermKind kind, BiConsumer<AffinityTerm, Map<String, Long>> action) {
        for (Map.Entry<AffinityTerm, Map<String, Long>> e : existingTerms.get(kind).entrySet()) {
            action.accept(e.getKey(), Collections.unmodifiableMap(e.getValue()));
        }
    }

    /** Nodes reporting each image in {@code status.images} (normalized names). A read-only view, as above. */
    public Map<String, Integer> imageNodes() {
        return Collections.unmodifiableMap(imageNodes);
    }

    /** How many nodes report any image at all (none do on simulated nodes). */
    public int nodesWithImages() {
        return nodesWithImages;
    }

    /** True when some existing pod declares a term of {@code kind} on a node with its topology key. */
    public boolean hasExistingTerms(TermKind kind) {
        return !existingTerms.get(kind).isEmpty();
    }

    /** Everything this index holds, for tests comparing an advanced index with a fresh one. */
    Map<String, Object> contents() {
        return Map.of("queries", new HashMap<>(queries), "domains", new HashMap<>(domains),
                "terms", new EnumMap<>(existingTerms), "images", new HashMap<>(imageNodes),
                "nodesWithImages", nodesWithImages);
    }

    @Override
    public String toString() {
        return "TopologyIndex[version=" + version + ", queries=" + queries.size() + ", domainKeys=" + domains.size()
                + "]";
    }
}
