package io.kaji.controllers.runtime;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.List;
import java.util.Map;

/**
 * Node selection with Kubernetes' semantics: {@code spec.nodeSelector} and required node affinity, each
 * {@link NodeSelector} being an OR of terms, each term an AND of label expressions and field expressions
 * ({@code metadata.name} only). A term with no requirements matches nothing.
 */
public final class NodeSelectors {

    private NodeSelectors() {
    }

    /** The pod's nodeSelector and required node affinity both accept {@code node}. */
    public static boolean podMatchesNode(Pod pod, Node node) {
        return pod.getSpec() == null || matchesNode(pod.getSpec(), node);
    }

    /** The nodeSelector and required node affinity of {@code spec} (a pod's or a template's) both accept {@code node}. */
    public static boolean matchesNode(PodSpec spec, Node node) {
        Map<String, String> selector = spec.getNodeSelector();
        // Most pods select nothing: then the node's labels are not even read (Filter runs for hundreds of nodes).
        if (selector != null && !selector.isEmpty()) {
            Map<String, String> labels = labelsOf(node);
            for (Map.Entry<String, String> e : selector.entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
        }
        NodeSelector required = requiredAffinity(spec);
        return required == null || matches(required, node);
    }

    /** The pod's required node affinity, or null. */
    public static NodeSelector requiredAffinity(Pod pod) {
        return pod.getSpec() == null ? null : requiredAffinity(pod.getSpec());
    }

    private static NodeSelector requiredAffinity(PodSpec spec) {
        if (spec.getAffinity() == null || spec.getAffinity().getNodeAffinity() == null) {
            return null;
        }
        return spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
    }

    /** Any term of {@code selector} matches {@code node}. */
    public static boolean matches(NodeSelector selector, Node node) {
        List<NodeSelectorTerm> terms = selector.getNodeSelectorTerms();
        if (terms == null) {
            return false;
        }
        for (NodeSelectorTerm term : terms) {
            if (matches(term, node)) {
                return true;
            }
        }
        return false;
    }

    /** Every requirement of {@code term} matches {@code node}; an empty term matches nothing. */
    public static boolean matches(NodeSelectorTerm term, Node node) {
        List<NodeSelectorRequirement> exprs = term.getMatchExpressions() == null ? List.of() : term.getMatchExpressions();
        List<NodeSelectorRequirement> fields = term.getMatchFields() == null ? List.of() : term.getMatchFields();
        if (exprs.isEmpty() && fields.isEmpty()) {
            return false;
        }
        Map<String, String> labels = labelsOf(node);
        for (NodeSelectorRequirement r : exprs) {
            if (!matches(r, labels)) {
                return false;
            }
        }
        Map<String, String> nodeFields = Map.of("metadata.name", node.getMetadata().getName());
        for (NodeSelectorRequirement r : fields) {
            if (!matches(r, nodeFields)) {
                return false;
            }
        }
        return true;
    }

    static boolean matches(NodeSelectorRequirement r, Map<String, String> labels) {
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        String value = labels.get(r.getKey());
        return switch (r.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            case "Gt", "Lt" -> value != null && values.size() == 1 && compare(value, values.get(0), r.getOperator());
            default -> false;
        };
    }

    private static boolean compare(String value, String bound, String op) {
        try {
            long v = Long.parseLong(value);
            long b = Long.parseLong(bound);
            return "Gt".equals(op) ? v > b : v < b;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public static Map<String, String> labelsOf(Node node) {
        Map<String, String> l = node == null ? null : node.getMetadata().getLabels();
        return l == null ? Map.of() : l;
    }
}
