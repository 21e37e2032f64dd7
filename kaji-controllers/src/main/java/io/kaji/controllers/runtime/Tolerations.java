package io.kaji.controllers.runtime;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Taint and toleration matching with Kubernetes' rules ({@code Toleration.ToleratesTaint}), shared by the
 * scheduler, the controllers that reason about taints and the node agent's admission.
 */
public final class Tolerations {

    private Tolerations() {
    }

    /**
     * True when {@code t} tolerates {@code taint}: the same effect (or none given), the same key (or none given), and
     * with operator Exists any value, with Equal (the default) the same value.
     */
    public static boolean tolerates(Toleration t, Taint taint) {
        if (t.getEffect() != null && !t.getEffect().isEmpty() && !t.getEffect().equals(taint.getEffect())) {
            return false;
        }
        // An empty key with operator Exists tolerates every taint.
        if (t.getKey() != null && !t.getKey().isEmpty() && !t.getKey().equals(taint.getKey())) {
            return false;
        }
        String op = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
        return switch (op) {
            case "Exists" -> true;
            case "Equal" -> nullToEmpty(t.getValue()).equals(nullToEmpty(taint.getValue()));
            default -> false;
        };
    }

    public static boolean toleratedByAny(Taint taint, List<Toleration> tolerations) {
        if (tolerations != null) {
            for (Toleration t : tolerations) {
                if (tolerates(t, taint)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The first of {@code taints} with one of {@code effects} that no toleration tolerates, if any. */
    public static Optional<Taint> firstUntolerated(List<Taint> taints, List<Toleration> tolerations,
            Set<String> effects) {
        for (Taint taint : taints) {
            if (effects.contains(taint.getEffect()) && !toleratedByAny(taint, tolerations)) {
                return Optional.of(taint);
            }
        }
        return Optional.empty();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
