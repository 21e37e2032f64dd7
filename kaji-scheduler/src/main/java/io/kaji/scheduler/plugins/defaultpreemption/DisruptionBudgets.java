package io.kaji.scheduler.plugins.defaultpreemption;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;

/**
 * The PodDisruptionBudgets preemption tries not to violate (from an informer cache; implementations must be
 * thread-safe).
 */
@FunctionalInterface
public interface DisruptionBudgets {

    /** No budgets: every victim is as good as any other (policy/v1 not served). */
    DisruptionBudgets NONE = List::of;

    List<PodDisruptionBudget> all();
}
