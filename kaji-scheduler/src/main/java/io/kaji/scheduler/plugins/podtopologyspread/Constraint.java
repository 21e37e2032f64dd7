package io.kaji.scheduler.plugins.podtopologyspread;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.kaji.controllers.runtime.NodeSelectors;
import io.kaji.controllers.runtime.Selectors;
import io.kaji.controllers.runtime.Tolerations;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PodInfo;
import io.kaji.scheduler.framework.TopologyIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One spreading constraint, resolved for the incoming pod: {@code matchLabelKeys} folded into the selector, and
 * the node inclusion policies (node affinity honoured, taints ignored by default, as in Kubernetes).
 */
record Constraint(int maxSkew, String topologyKey, boolean hard, LabelSelector selector, int minDomains,
                  boolean honorNodeAffinity, boolean honorNodeTaints) {

    static final String HOSTNAME = "kubernetes.io/hostname";
    static final String ZONE = "topology.kubernetes.io/zone";

    /** The key interned: looked up in every evaluated node's (interned) labels, it is found by identity. */
    Constraint {
        topologyKey = topologyKey == null ? null : topologyKey.intern();
    }

    static Constraint of(TopologySpreadConstraint c, Pod pod) {
        LabelSelector selector = c.getLabelSelector();
        if (selector != null && c.getMatchLabelKeys() != null && !c.getMatchLabelKeys().isEmpty()) {
            Map<String, String> labels = labels(pod);
            LabelSelectorBuilder b = new LabelSelectorBuilder(selector);
            for (String key : c.getMatchLabelKeys()) {
                if (labels.containsKey(key)) {
                    b.addToMatchExpressions(new LabelSelectorRequirementBuilder().withKey(key).withOperator("In")
                            .withValues(labels.get(key)).build());
                }
            }
            selector = b.build();
        }
        return new Constraint(c.getMaxSkew(), c.getTopologyKey(), !"ScheduleAnyway".equals(c.getWhenUnsatisfiable()),
                selector, c.getMinDomains() == null ? 1 : c.getMinDomains(),
                !"Ignore".equals(c.getNodeAffinityPolicy()), "Honor".equals(c.getNodeTaintsPolicy()));
    }

    /** Kubernetes' system default constraints, without a selector (see {@link #forGroup}). */
    static final List<Constraint> SYSTEM_DEFAULTS = List.of(new Constraint(3, HOSTNAME, false, null, 1, true, false),
            new Constraint(5, ZONE, false, null, 1, true, false));

    /** The default constraints {@code templates} that are {@code hard} or not, selecting the pod's group. */
    static List<Constraint> forGroup(List<Constraint> templates, LabelSelector selector, boolean hard) {
        List<Constraint> out = new ArrayList<>();
        for (Constraint t : templates) {
            if (t.hard() == hard) {
                out.add(new Constraint(t.maxSkew(), t.topologyKey(), t.hard(), selector, t.minDomains(),
                        t.honorNodeAffinity(), t.honorNodeTaints()));
            }
        }
        return out;
    }

    /**
     * A configured default constraint ({@code PodTopologySpreadArgs.defaultConstraints[i]}, at {@code field}),
     * validated as Kubernetes does: maxSkew above 0, a topology key, whenUnsatisfiable DoNotSchedule or
     * ScheduleAnyway, and no selector (the pod's group supplies it).
     */
    static Constraint defaultFromArgs(Map<?, ?> c, String field) {
        if (c.get("labelSelector") != null) {
            throw new IllegalArgumentException(field + ".labelSelector: not allowed in a default constraint (the "
                    + "pod's Services, ReplicaSet or StatefulSet select its group)");
        }
        Object skew = c.get("maxSkew");
        int maxSkew;
        try {
            maxSkew = skew == null ? 0 : Integer.parseInt(skew.toString());
        } catch (NumberFormatException e) {
            maxSkew = 0;
        }
        if (maxSkew <= 0) {
            throw new IllegalArgumentException(field + ".maxSkew: must be greater than zero, got " + skew);
        }
        Object key = c.get("topologyKey");
        if (key == null || key.toString().isBlank()) {
            throw new IllegalArgumentException(field + ".topologyKey: required");
        }
        Object when = c.get("whenUnsatisfiable");
        if (!"DoNotSchedule".equals(String.valueOf(when)) && !"ScheduleAnyway".equals(String.valueOf(when))) {
            throw new IllegalArgumentException(field + ".whenUnsatisfiable: must be DoNotSchedule or ScheduleAnyway, "
                    + "got " + when);
        }
        return new Constraint(maxSkew, key.toString(), "DoNotSchedule".equals(when), null, 1, true, false);
    }

    /** The pod's explicit constraints with {@code whenUnsatisfiable} DoNotSchedule ({@code hard}) or not. */
    static List<Constraint> explicit(Pod pod, boolean hard) {
        List<Constraint> out = new ArrayList<>();
        if (pod.getSpec().getTopologySpreadConstraints() != null) {
            for (TopologySpreadConstraint c : pod.getSpec().getTopologySpreadConstraints()) {
                Constraint k = of(c, pod);
                if (k.hard() == hard) {
                    out.add(k);
                }
            }
        }
        return out;
    }

    /** Whether the node counts as a domain member for this constraint (its inclusion policies). */
    boolean includes(Pod pod, NodeInfo node) {
        if (node.node() == null) {
            return false;
        }
        if (honorNodeAffinity && !NodeSelectors.podMatchesNode(pod, node.node())) {
            return false;
        }
        return !honorNodeTaints || Tolerations.firstUntolerated(node.taints(), pod.getSpec().getTolerations(),
                Set.of("NoSchedule", "NoExecute")).isEmpty();
    }

    /**
     * True when every node with the constraint's key is a domain member for {@code pod}: node affinity is not
     * honoured or the pod has none, and taints are not honoured. Then the counts can come from the snapshot's
     * index without looking at each node.
     */
    boolean includesEveryNode(Pod pod) {
        if (honorNodeTaints) {
            return false;
        }
        if (!honorNodeAffinity) {
            return true;
        }
        var selector = pod.getSpec().getNodeSelector();
        return (selector == null || selector.isEmpty()) && NodeSelectors.requiredAffinity(pod) == null;
    }

    /** The query counting the pods this constraint selects in {@code namespace}, per domain (terminating excluded). */
    TopologyIndex.PodQuery query(String namespace) {
        return new TopologyIndex.PodQuery(topologyKey, selector, Set.of(namespace), false, true);
    }

    /** The pods on {@code node} in {@code namespace} this constraint's selector matches (terminating ones excluded). */
    int countMatching(NodeInfo node, String namespace) {
        int n = 0;
        for (PodInfo p : node.pods()) {
            var m = p.pod().getMetadata();
            if (namespace.equals(m.getNamespace()) && m.getDeletionTimestamp() == null
                    && Selectors.matches(selector, m.getLabels())) {
                n++;
            }
        }
        return n;
    }

    boolean selfMatch(Pod pod) {
        return Selectors.matches(selector, labels(pod));
    }

    private static Map<String, String> labels(Pod pod) {
        Map<String, String> l = pod.getMetadata().getLabels();
        return l == null ? Map.of() : l;
    }
}
