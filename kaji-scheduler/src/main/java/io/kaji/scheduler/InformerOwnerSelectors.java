package io.kaji.scheduler;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.informers.cache.Store;
import io.kaji.scheduler.plugins.podtopologyspread.OwnerSelectors;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link OwnerSelectors} from informer caches: the selectors of the Services in the pod's namespace that select
 * it, merged with its controlling ReplicaSet's or StatefulSet's selector (Kubernetes' {@code DefaultSelector};
 * ReplicationControllers are not served by Kaji's API server). A store may be null when that kind is not served.
 */
final class InformerOwnerSelectors implements OwnerSelectors {

    private final Store<Service> services;
    private final Store<ReplicaSet> replicaSets;
    private final Store<StatefulSet> statefulSets;

    InformerOwnerSelectors(Store<Service> services, Store<ReplicaSet> replicaSets, Store<StatefulSet> statefulSets) {
        this.services = services;
        this.replicaSets = replicaSets;
        this.statefulSets = statefulSets;
    }

    @Override
    public LabelSelector selectorFor(Pod pod) {
        String ns = pod.getMetadata().getNamespace();
        Map<String, String> podLabels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        Map<String, String> matchLabels = new HashMap<>();
        if (services != null) {
            for (Service s : services.list()) {
                Map<String, String> sel = s.getSpec() == null ? null : s.getSpec().getSelector();
                if (ns.equals(s.getMetadata().getNamespace()) && sel != null && !sel.isEmpty()
                        && podLabels.entrySet().containsAll(sel.entrySet())) {
                    matchLabels.putAll(sel);
                }
            }
        }
        LabelSelectorBuilder b = new LabelSelectorBuilder();
        LabelSelector owner = ownerSelector(pod, ns);
        if (owner != null) {
            if (owner.getMatchLabels() != null) {
                matchLabels.putAll(owner.getMatchLabels());
            }
            if (owner.getMatchExpressions() != null) {
                b.addAllToMatchExpressions(owner.getMatchExpressions());
            }
        }
        LabelSelector merged = b.withMatchLabels(matchLabels).build();
        return matchLabels.isEmpty() && (owner == null || owner.getMatchExpressions() == null
                || owner.getMatchExpressions().isEmpty()) ? null : merged;
    }

    private LabelSelector ownerSelector(Pod pod, String ns) {
        if (pod.getMetadata().getOwnerReferences() == null) {
            return null;
        }
        for (OwnerReference ref : pod.getMetadata().getOwnerReferences()) {
            if (!Boolean.TRUE.equals(ref.getController()) || !"apps/v1".equals(ref.getApiVersion())) {
                continue;
            }
            if ("ReplicaSet".equals(ref.getKind()) && replicaSets != null) {
                ReplicaSet rs = replicaSets.getByKey(ns + "/" + ref.getName());
                return rs == null || rs.getSpec() == null ? null : rs.getSpec().getSelector();
            }
            if ("StatefulSet".equals(ref.getKind()) && statefulSets != null) {
                StatefulSet ss = statefulSets.getByKey(ns + "/" + ref.getName());
                return ss == null || ss.getSpec() == null ? null : ss.getSpec().getSelector();
            }
        }
        return null;
    }
}
