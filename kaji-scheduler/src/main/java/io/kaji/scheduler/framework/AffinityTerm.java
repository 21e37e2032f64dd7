package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.kaji.controllers.runtime.Selectors;
import java.util.List;
import java.util.Set;

/**
 * A pod (anti-)affinity term resolved against the pod that declares it: which pods it selects (label selector
 * within a set of namespaces) and the topology key that defines "together". The namespaces are the term's
 * {@code namespaces}, or the declaring pod's own namespace when neither {@code namespaces} nor a
 * {@code namespaceSelector} is given; an empty {@code namespaceSelector} ({@code {}}) means every namespace.
 * (A non-empty namespaceSelector would need namespace labels; Kaji does not evaluate it yet and uses only the
 * listed namespaces.) Resolved once per pod, in {@link PodInfo}, as Kubernetes' scheduler does.
 */
public record AffinityTerm(String topologyKey, LabelSelector selector, Set<String> namespaces, boolean allNamespaces, int weight) {

    /** The key interned: looked up in every evaluated node's (interned) labels, it is found by identity. */
    public AffinityTerm {
        topologyKey = topologyKey == null ? null : topologyKey.intern();
    }

    static AffinityTerm of(PodAffinityTerm t, Pod owner, int weight) {
        List<String> ns = t.getNamespaces() == null ? List.of() : t.getNamespaces();
        LabelSelector nsSelector = t.getNamespaceSelector();
        boolean all = nsSelector != null && Selectors.isEmpty(nsSelector);
        Set<String> namespaces = ns.isEmpty() && nsSelector == null
                ? Set.of(owner.getMetadata().getNamespace()) : Set.copyOf(ns);
        return new AffinityTerm(t.getTopologyKey(), t.getLabelSelector(), namespaces, all, weight);
    }

    /** The same term with another weight. */
    public AffinityTerm withWeight(int w) {
        return w == weight ? this : new AffinityTerm(topologyKey, selector, namespaces, allNamespaces, w);
    }

    /** The term selects {@code pod}. */
    public boolean matches(Pod pod) {
        return (allNamespaces || namespaces.contains(pod.getMetadata().getNamespace()))
                && Selectors.matches(selector, pod.getMetadata().getLabels());
    }
}
