package io.kaji.scheduler.plugins.defaultpreemption;

import io.fabric8.kubernetes.api.model.Pod;

/** Removes a preemption victim from its node (through the API: a delete). Thread-safe; failures are logged. */
@FunctionalInterface
public interface Evictor {

    /** Does nothing: preemption then only reports what it would have done. */
    Evictor NONE = (victim, preemptor) -> { };

    /** Deletes {@code victim} to make room for {@code preemptor}. */
    void evict(Pod victim, Pod preemptor);
}
