package io.kaji.apiserver.admission.podsecurity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Evaluates a pod against one level and version of the Pod Security Standards. Checks run in Kubernetes' order
 * (baseline controls by id, then restricted ones by id), so that messages list violations as Kubernetes does.
 * Immutable and thread-safe.
 */
public final class Evaluator {

    private final List<Check> baseline;
    private final List<Check> restricted;
    private final int newestMinor;

    public Evaluator() {
        this.baseline = sorted(BaselineChecks.all());
        this.restricted = sorted(RestrictedChecks.all());
        int newest = 0;
        for (Check c : concat(baseline, restricted)) {
            newest = Math.max(newest, c.versions().getLast().minMinor());
        }
        this.newestMinor = newest;
    }

    /** The newest minor version any check knows: what {@code latest} means. */
    public int newestMinor() {
        return newestMinor;
    }

    /** Every violation of {@code lv} by {@code pod}; allowed when empty. */
    public Violations evaluate(LevelVersion lv, PodView pod) {
        if (lv.level() == Level.PRIVILEGED) {
            return Violations.NONE;
        }
        int minor = lv.version().effectiveMinor(newestMinor);
        List<Check.Versioned> rules = new ArrayList<>();
        Set<String> overridden = new HashSet<>();
        List<Check.Versioned> restrictedRules = new ArrayList<>();
        if (lv.level() == Level.RESTRICTED) {
            for (Check c : restricted) {
                Check.Versioned v = c.at(minor);
                if (v != null) {
                    restrictedRules.add(v);
                    overridden.addAll(v.overrides());
                }
            }
        }
        for (Check c : baseline) {
            Check.Versioned v = c.at(minor);
            if (v != null && !overridden.contains(c.id())) {
                rules.add(v);
            }
        }
        rules.addAll(restrictedRules);
        List<CheckResult> found = new ArrayList<>();
        for (Check.Versioned rule : rules) {
            CheckResult r = rule.rule().apply(pod);
            if (r != null) {
                found.add(r);
            }
        }
        return new Violations(found);
    }

    private static List<Check> sorted(List<Check> checks) {
        List<Check> out = new ArrayList<>(checks);
        out.sort(Comparator.comparing(Check::id));
        return List.copyOf(out);
    }

    private static List<Check> concat(List<Check> a, List<Check> b) {
        List<Check> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** The violations of one evaluation, in check order. */
    public record Violations(List<CheckResult> results) {

        static final Violations NONE = new Violations(List.of());

        public Violations {
            results = List.copyOf(results);
        }

        public boolean allowed() {
            return results.isEmpty();
        }

        /** {@code privileged, host namespaces}: the reasons only (namespace label change warnings use this). */
        public String reasons() {
            List<String> out = new ArrayList<>();
            results.forEach(r -> out.add(r.reason()));
            return String.join(", ", out);
        }

        /** {@code privileged (container "c" must not ...), host namespaces (hostNetwork=true)}. */
        public String details() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < results.size(); i++) {
                CheckResult r = results.get(i);
                sb.append(i == 0 ? "" : ", ").append(r.reason());
                if (r.detail() != null && !r.detail().isEmpty()) {
                    sb.append(" (").append(r.detail()).append(')');
                }
            }
            return sb.toString();
        }
    }
}
