package io.kaji.support.assess;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Runs a check's decision object by object, so one malformed object yields an ERROR finding naming it instead of
 * breaking the whole check.
 */
final class PerObject {

    private PerObject() {
    }

    /** {@code decide} for each workload; null or empty results add nothing. */
    static List<Finding> workloads(AssessmentContext context, Function<Workload, List<Finding>> decide) {
        List<Finding> out = new ArrayList<>();
        for (Workload w : context.workloads()) {
            try {
                List<Finding> found = decide.apply(w);
                if (found != null) {
                    out.addAll(found);
                }
            } catch (RuntimeException e) {
                out.add(Finding.error(w.ref(), "could not be evaluated: malformed object: " + e));
            }
        }
        return out;
    }

    /** {@code decide} for each container of each workload; a null result adds nothing. */
    static List<Finding> containers(AssessmentContext context, BiFunction<Workload, ContainerView, Finding> decide) {
        return workloads(context, w -> {
            List<Finding> out = new ArrayList<>();
            for (ContainerView c : w.containers()) {
                Finding f = decide.apply(w, c);
                if (f != null) {
                    out.add(f);
                }
            }
            return out;
        });
    }

    /** A finding about container {@code c} of {@code w}. */
    static Finding container(Status status, Workload w, ContainerView c, String message, String evidence) {
        return Finding.of(status, w.ref(), c.name(), message, evidence);
    }
}
