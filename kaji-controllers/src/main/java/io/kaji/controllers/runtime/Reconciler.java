package io.kaji.controllers.runtime;

import java.time.Duration;

/**
 * Brings one object toward its desired state. Level-triggered: it reads the current state from informer
 * caches, compares it with the spec, writes the difference and the observed status. Must be idempotent: the
 * same key may be reconciled any number of times. Never called twice at once for one key.
 */
@FunctionalInterface
public interface Reconciler {

    /**
     * Reconciles the object {@code key} ({@code namespace/name}, or {@code name} for cluster-scoped objects).
     * Throwing means "failed, try again with back-off".
     */
    Result reconcile(String key) throws Exception;

    /** What to do with the key afterwards. */
    record Result(Duration requeueAfter) {

        private static final Result DONE = new Result(null);

        /** Finished; the key's back-off is reset and it comes back only when something changes. */
        public static Result done() {
            return DONE;
        }

        /** Look again after {@code delay} even if nothing changes (for time-based conditions). */
        public static Result requeueAfter(Duration delay) {
            return new Result(delay);
        }
    }
}
