package io.kaji.apiserver.admission;

import io.kaji.apiserver.admission.defaulttolerationseconds.DefaultTolerationSeconds;
import io.kaji.apiserver.admission.podsecurity.PodSecurity;
import java.util.List;
import java.util.Objects;

/**
 * Which admission plugins run and how they are set up.
 *
 * @param enabled                  plugin names in the order they run within their phase (see {@link AdmissionPlugins})
 * @param podSecurity              the PodSecurity defaults and exemptions
 * @param defaultTolerationSeconds tolerationSeconds of the not-ready/unreachable tolerations DefaultTolerationSeconds
 *                                 adds
 */
public record AdmissionOptions(List<String> enabled, PodSecurity.Options podSecurity, long defaultTolerationSeconds) {

    public AdmissionOptions {
        enabled = List.copyOf(enabled);
        Objects.requireNonNull(podSecurity, "podSecurity");
    }

    /** Every plugin Kaji has, with Kaji's defaults (baseline enforced, restricted warned, 5 s tolerations). */
    public static AdmissionOptions defaults() {
        return new AdmissionOptions(AdmissionPlugins.DEFAULT_ENABLED, PodSecurity.Options.kaji(),
                DefaultTolerationSeconds.KAJI_DEFAULT_SECONDS);
    }

    public AdmissionOptions withPodSecurity(PodSecurity.Options options) {
        return new AdmissionOptions(enabled, options, defaultTolerationSeconds);
    }

    public AdmissionOptions withEnabled(List<String> names) {
        return new AdmissionOptions(names, podSecurity, defaultTolerationSeconds);
    }
}
