package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import java.util.ArrayList;
import java.util.List;

/** The four kinds of pod (anti-)affinity terms a pod can declare, resolved into {@link AffinityTerm}s. */
public record AffinityTerms(List<AffinityTerm> requiredAffinity, List<AffinityTerm> requiredAntiAffinity,
                            List<AffinityTerm> preferredAffinity, List<AffinityTerm> preferredAntiAffinity) {

    public static final AffinityTerms NONE = new AffinityTerms(List.of(), List.of(), List.of(), List.of());

    public static AffinityTerms of(Pod pod) {
        Affinity a = pod.getSpec() == null ? null : pod.getSpec().getAffinity();
        if (a == null || (a.getPodAffinity() == null && a.getPodAntiAffinity() == null)) {
            return NONE;
        }
        var aff = a.getPodAffinity();
        var anti = a.getPodAntiAffinity();
        return new AffinityTerms(
                required(aff == null ? null : aff.getRequiredDuringSchedulingIgnoredDuringExecution(), pod),
                required(anti == null ? null : anti.getRequiredDuringSchedulingIgnoredDuringExecution(), pod),
                preferred(aff == null ? null : aff.getPreferredDuringSchedulingIgnoredDuringExecution(), pod),
                preferred(anti == null ? null : anti.getPreferredDuringSchedulingIgnoredDuringExecution(), pod));
    }

    private static List<AffinityTerm> required(List<PodAffinityTerm> terms, Pod pod) {
        List<AffinityTerm> out = new ArrayList<>();
        if (terms != null) {
            terms.forEach(t -> out.add(AffinityTerm.of(t, pod, 1)));
        }
        return out;
    }

    private static List<AffinityTerm> preferred(List<WeightedPodAffinityTerm> terms, Pod pod) {
        List<AffinityTerm> out = new ArrayList<>();
        if (terms != null) {
            for (WeightedPodAffinityTerm t : terms) {
                if (t.getPodAffinityTerm() != null && t.getWeight() != null) {
                    out.add(AffinityTerm.of(t.getPodAffinityTerm(), pod, t.getWeight()));
                }
            }
        }
        return out;
    }

    public boolean hasRequired() {
        return !requiredAffinity.isEmpty() || !requiredAntiAffinity.isEmpty();
    }

    public boolean hasPreferred() {
        return !preferredAffinity.isEmpty() || !preferredAntiAffinity.isEmpty();
    }
}
