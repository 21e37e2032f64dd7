package io.kaji.support.assess;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The checks, built once at start-up in report order: CIS sections 1 to 5, then the Pod Security Standards, then
 * the reliability practices. Ids are unique (checked here).
 */
public final class CheckRegistry {

    private final List<Check> checks;

    private CheckRegistry(List<Check> checks) {
        Set<String> ids = new HashSet<>();
        for (Check c : checks) {
            if (!ids.add(c.id())) {
                throw new IllegalStateException("duplicate check id " + c.id());
            }
        }
        this.checks = List.copyOf(checks);
    }

    /** Every built-in check. */
    public static CheckRegistry builtin() {
        List<Check> all = new ArrayList<>(ControlPlaneChecks.all());
        all.addAll(RbacChecks.all());
        all.addAll(PodSecurityChecks.all());
        all.addAll(GeneralPolicyChecks.all());
        all.addAll(PssChecks.all());
        all.addAll(ReliabilityChecks.all());
        return new CheckRegistry(all);
    }

    /** A registry of exactly {@code checks} (tests, or a selection). */
    public static CheckRegistry of(List<Check> checks) {
        return new CheckRegistry(checks);
    }

    public List<Check> checks() {
        return checks;
    }

    public Optional<Check> find(String id) {
        return checks.stream().filter(c -> c.id().equals(id)).findFirst();
    }
}
