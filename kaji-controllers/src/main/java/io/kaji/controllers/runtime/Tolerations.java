package io.kaji.controllers.runtime;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.Objects;
import java.util.Optional;

/** Kubernetes' toleration matching, shared by the controllers that reason about taints. */
public final class Tolerations {

    private Tolerations() {
    }

    /** Same effect (or any), and key/value by operator; an empty key with Exists tolerates everything. */
    public static boolean tolerates(Toleration tol, Taint taint) {
        if (tol.getEffect() != null && !tol.getEffect().isEmpty() && !tol.getEffect().equals(taint.getEffect())) {
            return false;
        }
        String op = tol.getOperator() == null || tol.getOperator().isEmpty() ? "Equal" : tol.getOperator();
        if (tol.getKey() == null || tol.getKey().isEmpty()) {
            return "Exists".equals(op);
        }
        if (!tol.getKey().equals(taint.getKey())) {
            return false;
        }
        return "Exists".equals(op) || Objects.equals(Optional.ofNullable(tol.getValue()).orElse(""),
                Optional.ofNullable(taint.getValue()).orElse(""));
    }
}
