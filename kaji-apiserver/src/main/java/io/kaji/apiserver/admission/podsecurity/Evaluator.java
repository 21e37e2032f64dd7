package io.kaji.apiserver.admission.podsecurity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Evaluates a pod against one level and version of the Pod Security Standards. Checks run in Kubernetes' order
 * (baseline controls by id, then restricted ones by id), so that messages list violations as Kubernetes does.
 * Immutable and thread-safe.
 */
public final class Evaluator {

    private final List<Check> baseline;
    private final List<Check> restricted;
    private final int newestMinor;
    private final Map<Integer, List<Check.Versioned>> rules = new ConcurrentHashMap<>();

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
        return evaluate(lv, pod, null);
    }

    /**
     * Like {@link #evaluate(LevelVersion, PodView)}; {@code memo}, when given, holds the results of checks already
     * run on the same pod, so that evaluating several levels (enforce, audit, warn) runs each check once.
     */
    Violations evaluate(LevelVersion lv, PodView pod, Map<Check.Versioned, Optional<CheckResult>> memo) {
        if (lv.level() == Level.PRIVILEGED) {
            return Violations.NONE;
        }
        int minor = lv.version().effectiveMinor(newestMinor);
        List<CheckResult> found = new ArrayList<>();
        for (Check.Versioned rule : rules(lv.level(), minor)) {
            CheckResult r = memo == null ? rule.rule().apply(pod)
                    : memo.computeIfAbsent(rule, v -> Optional.ofNullable(v.rule().apply(pod))).orElse(null);
            if (r != null) {
                found.add(r);
            }
        }
        return new Violations(found);
    }

    /** The checks of a level at a minor version, in Kubernetes' order; computed once per level and version. */
    private List<Check.Versioned> rules(Level level, int minor) {
        return rules.computeIfAbsent(level.ordinal() * 10_000 + minor, k -> {
            List<Check.Versioned> out = new ArrayList<>();
            Set<String> overridden = new HashSet<>();
            List<Check.Versioned> restrictedRules = new ArrayList<>();
            if (level == Level.RESTRICTED) {
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
                    out.add(v);
                }
            }
            out.addAll(restrictedRules);
            return List.copyOf(out);
        });
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
