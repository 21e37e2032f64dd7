package io.kaji.apiserver.auth;

/**
 * Decides whether a request may proceed, as Kubernetes' {@code authorizer.Authorizer}. Implementations are
 * thread-safe and must not block on the store (they read cached state).
 */
public interface Authorizer {

    /** The outcome: allowed or not, with the reason Kubernetes reports (empty when none). */
    record Decision(boolean allowed, String reason) {
        public static final Decision NO_OPINION = new Decision(false, "");

        public static Decision allow(String reason) {
            return new Decision(true, reason);
        }

        public static Decision deny(String reason) {
            return new Decision(false, reason == null ? "" : reason);
        }
    }

    Decision authorize(Attributes attributes);
}
