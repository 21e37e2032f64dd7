package io.kaji.apiserver.admission.podsecurity;

import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * One control of the Pod Security Standards, with the rule each version of the standards applies.
 *
 * @param id       the control's id, e.g. {@code privileged}; results are reported in id order
 * @param level    the level that introduces the control (baseline or restricted)
 * @param versions the rule from each minor version on, oldest first
 */
record Check(String id, Level level, List<Versioned> versions) {

    /**
     * The rule from {@code minMinor} on.
     *
     * @param overrides baseline controls this restricted rule replaces at the restricted level
     */
    record Versioned(int minMinor, Function<PodView, CheckResult> rule, Set<String> overrides) {
    }

    static Versioned since(int minor, Function<PodView, CheckResult> rule) {
        return new Versioned(minor, rule, Set.of());
    }

    static Versioned since(int minor, Function<PodView, CheckResult> rule, String... overrides) {
        return new Versioned(minor, rule, Set.of(overrides));
    }

    /** The rule for {@code minor}, or null if this control did not exist yet. */
    Versioned at(int minor) {
        Versioned found = null;
        for (Versioned v : versions) {
            if (v.minMinor() <= minor) {
                found = v;
            }
        }
        return found;
    }
}
