package io.kaji.apiserver.admission;

import io.kaji.apiserver.errors.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One plugin's answer: allowed or denied (with the Status error the client gets), plus warnings for the client
 * ({@code Warning} headers) and annotations for the audit log. Immutable; build with the factories.
 *
 * @param denial      null when allowed
 * @param warnings    texts kubectl prints as {@code Warning: ...}
 * @param annotations audit annotations, e.g. {@code pod-security.kubernetes.io/enforce-policy}
 */
public record Verdict(ApiException denial, List<String> warnings, Map<String, String> annotations) {

    private static final Verdict ALLOWED = new Verdict(null, List.of(), Map.of());

    public Verdict {
        warnings = List.copyOf(warnings);
        annotations = Map.copyOf(annotations);
    }

    public static Verdict allowed() {
        return ALLOWED;
    }

    public static Verdict denied(ApiException why) {
        return new Verdict(why, List.of(), Map.of());
    }

    public boolean isAllowed() {
        return denial == null;
    }

    public Verdict withWarnings(List<String> more) {
        List<String> all = new ArrayList<>(warnings);
        all.addAll(more);
        return new Verdict(denial, all, annotations);
    }

    public Verdict withAnnotations(Map<String, String> more) {
        Map<String, String> all = new LinkedHashMap<>(annotations);
        all.putAll(more);
        return new Verdict(denial, warnings, all);
    }
}
