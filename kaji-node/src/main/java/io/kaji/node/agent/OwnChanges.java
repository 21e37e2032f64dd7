package io.kaji.node.agent;

import io.kaji.node.runtime.ContainerState;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runtime states the pod workers caused themselves, so that the relist does not sync a pod again for them: after
 * RunPodSandbox the sandbox is ready, after CreateContainer the container is created, after StartContainer it is
 * created or running, after a finished pod's StopPodSandbox the sandbox is not ready — the worker's own pass
 * already reported those. The kubelet's PLEG has no such filter, but its pod workers do not re-read the runtime on
 * every event either (they work from the PLEG's cache); here every pass lists the pod's sandboxes and containers,
 * so a burst of new pods would otherwise cost each pod two or three passes more. A state the worker did not cause
 * (a container that exited, a sandbox that stopped on its own) is not filtered, and an expectation is dropped once
 * its last state has been seen or the object is gone. Thread-safe.
 */
final class OwnChanges {

    /**
     * The relist's names of states (NodeAgent.relist): a container's is its {@link ContainerState}'s name, a
     * sandbox's one of these two.
     */
    static final String SANDBOX_READY = "SANDBOX_READY";
    static final String SANDBOX_NOT_READY = "SANDBOX_NOTREADY";
    static final String CREATED = ContainerState.CREATED.name();
    static final String RUNNING = ContainerState.RUNNING.name();

    /** An expectation older than this is dropped: its object went before any relist saw it. */
    static final long MAX_AGE_NANOS = 60_000_000_000L;

    private record Expectation(Set<String> states, long since) {}

    private final Map<String, Expectation> expected = new ConcurrentHashMap<>();

    void sandboxReady(String id) {
        expect(id, Set.of(SANDBOX_READY));
    }

    void sandboxStopped(String id) {
        expect(id, Set.of(SANDBOX_NOT_READY));
    }

    void containerCreated(String id) {
        expect(id, Set.of(CREATED));
    }

    void containerStarted(String id) {
        expect(id, Set.of(CREATED, RUNNING));
    }

    private void expect(String id, Set<String> states) {
        expected.put(id, new Expectation(states, System.nanoTime()));
    }

    /**
     * Whether the relist's newly seen {@code state} of {@code id} was caused by a worker (then the pod need not be
     * synced for it). Forgets the expectation once its final state (ready, running, stopped) was seen or the state is
     * another one.
     */
    boolean expected(String id, String state) {
        Expectation e = expected.get(id);
        if (e == null) {
            return false;
        }
        boolean mine = e.states().contains(state);
        if (!mine || state.equals(RUNNING) || state.equals(SANDBOX_READY) || state.equals(SANDBOX_NOT_READY)) {
            expected.remove(id, e);
        }
        return mine;
    }

    /** Drops expectations older than {@link #MAX_AGE_NANOS} at {@code now} (System.nanoTime). */
    void expire(long now) {
        expected.values().removeIf(e -> now - e.since() > MAX_AGE_NANOS);
    }

    /** The object is gone from the runtime. */
    void gone(String id) {
        expected.remove(id);
    }

    int size() {
        return expected.size();
    }
}
