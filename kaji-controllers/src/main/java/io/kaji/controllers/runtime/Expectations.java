package io.kaji.controllers.runtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers how many creations a controller issued for one owner, and which objects (by UID) it asked to
 * delete, that it has not yet seen come back through its informers, so that it does not act twice on the same
 * gap (client-go's UIDTrackingControllerExpectations). Deletions are tracked by UID because a pod's deletion is
 * seen twice (deletionTimestamp set, then gone) and must count once. Expectations older than {@link #TTL} count
 * as satisfied, so a lost watch event cannot stall an owner forever.
 *
 * <p>Thread-safe.
 */
public final class Expectations {

    /** Kubernetes' ExpectationsTimeout. */
    public static final Duration TTL = Duration.ofMinutes(5);

    private record Pending(long adds, Set<String> deletes, Instant since) {}

    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    private final Clock clock;

    public Expectations(Clock clock) {
        this.clock = clock;
    }

    /** True when nothing is outstanding for {@code key} (or the expectation expired, or none was ever set). */
    public boolean satisfied(String key) {
        Pending p = pending.get(key);
        if (p == null || (p.adds() <= 0 && p.deletes().isEmpty())) {
            return true;
        }
        return Duration.between(p.since(), clock.instant()).compareTo(TTL) > 0;
    }

    /** Sets the expectation before issuing {@code adds} creations. */
    public void expectCreations(String key, long adds) {
        pending.put(key, new Pending(adds, Set.of(), clock.instant()));
    }

    /** Sets the expectation before deleting the objects with these UIDs. */
    public void expectDeletions(String key, Collection<String> uids) {
        pending.put(key, new Pending(0, Set.copyOf(uids), clock.instant()));
    }

    /** A creation was observed (or will never happen because it failed). */
    public void creationObserved(String key) {
        pending.computeIfPresent(key, (k, p) -> new Pending(p.adds() - 1, p.deletes(), p.since()));
    }

    /** The deletion of {@code uid} was observed (or will never happen because it failed). */
    public void deletionObserved(String key, String uid) {
        pending.computeIfPresent(key, (k, p) -> {
            if (!p.deletes().contains(uid)) {
                return p;
            }
            Set<String> rest = new HashSet<>(p.deletes());
            rest.remove(uid);
            return new Pending(p.adds(), Set.copyOf(rest), p.since());
        });
    }

    /** Forgets {@code key} (its owner was deleted). */
    public void delete(String key) {
        pending.remove(key);
    }
}
