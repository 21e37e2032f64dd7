package io.kaji.scheduler.plugins.interpodaffinity;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import java.util.ArrayList;
import java.util.List;

/** The four kinds of terms a pod can declare, resolved into {@link Term}s. */
record Terms(List<Term> requiredAffinity, List<Term> requiredAntiAffinity, List<Term> preferredAffinity,
             List<Term> preferredAntiAffinity) {

    static final Terms NONE = new Terms(List.of(), List.of(), List.of(), List.of());

    static Terms of(Pod pod) {
        Affinity a = pod.getSpec() == null ? null : pod.getSpec().getAffinity();
        if (a == null || (a.getPodAffinity() == null && a.getPodAntiAffinity() == null)) {
            return NONE;
        }
        var aff = a.getPodAffinity();
        var anti = a.getPodAntiAffinity();
        return new Terms(
                required(aff == null ? null : aff.getRequiredDuringSchedulingIgnoredDuringExecution(), pod),
                required(anti == null ? null : anti.getRequiredDuringSchedulingIgnoredDuringExecution(), pod),
                preferred(aff == null ? null : aff.getPreferredDuringSchedulingIgnoredDuringExecution(), pod),
                preferred(anti == null ? null : anti.getPreferredDuringSchedulingIgnoredDuringExecution(), pod));
    }

    private static List<Term> required(List<PodAffinityTerm> terms, Pod pod) {
        List<Term> out = new ArrayList<>();
        if (terms != null) {
            terms.forEach(t -> out.add(Term.of(t, pod, 1)));
        }
        return out;
    }

    private static List<Term> preferred(List<WeightedPodAffinityTerm> terms, Pod pod) {
        List<Term> out = new ArrayList<>();
        if (terms != null) {
            for (WeightedPodAffinityTerm t : terms) {
                if (t.getPodAffinityTerm() != null && t.getWeight() != null) {
                    out.add(Term.of(t.getPodAffinityTerm(), pod, t.getWeight()));
                }
            }
        }
        return out;
    }

    boolean hasRequired() {
        return !requiredAffinity.isEmpty() || !requiredAntiAffinity.isEmpty();
    }

    boolean hasPreferred() {
        return !preferredAffinity.isEmpty() || !preferredAntiAffinity.isEmpty();
    }
}
