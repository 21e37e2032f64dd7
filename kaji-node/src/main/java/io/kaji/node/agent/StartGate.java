package io.kaji.node.agent;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Bounds the runtime calls that start pods — RunPodSandbox (the CNI plugins, runc for the pause container),
 * CreateContainer and StartContainer (runc) — in flight on the node, apart from how many pods the agent syncs at
 * once. Those calls are CPU work of processes containerd starts (runc, the shims, the CNI plugins), so their number
 * in flight follows the node's cores, as the CRI floor of {@code kaji bench pod-startup} runs 8 at a time on 2; with
 * 64 workers and this bound a 100-pod burst runs as fast as with the 16 workers before (docs/benchmarks.md, session
 * 21). The pod workers themselves are many, so that a pod waiting for its containers to stop (up to its grace
 * period) or for an image does not hold up the others' starts.
 *
 * <p>Containers go first: a pod whose sandbox exists waits only for other containers, not for new sandboxes, so
 * that pods started are finished before more are begun (as with one worker per start, without its blocking).
 */
final class StartGate {

    /** Starts in flight by default: four per core, at least four. */
    static final int DEFAULT_PERMITS = Math.max(4, 4 * Runtime.getRuntime().availableProcessors());

    private final int permits;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private int inFlight;
    private int containersWaiting;
    private int waiting;

    StartGate(int permits) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1, got " + permits);
        }
        this.permits = permits;
    }

    /** Runs a sandbox's creation once no container start is waiting and fewer than the permits are in flight. */
    <T> T sandbox(Supplier<T> call) {
        return run(false, call);
    }

    /** Runs a container's creation or start once fewer than the permits are in flight. */
    <T> T container(Supplier<T> call) {
        return run(true, call);
    }

    private <T> T run(boolean container, Supplier<T> call) {
        acquire(container);
        try {
            return call.get();
        } finally {
            release();
        }
    }

    /** Calls waiting for a permit (for tests). */
    int waiting() {
        lock.lock();
        try {
            return waiting;
        } finally {
            lock.unlock();
        }
    }

    /** Calls in flight (for tests). */
    int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    private void acquire(boolean container) {
        lock.lock();
        try {
            if (container) {
                containersWaiting++;
            }
            waiting++;
            try {
                while (inFlight >= permits || !container && containersWaiting > 0) {
                    released.awaitUninterruptibly();
                }
            } finally {
                waiting--;
                if (container) {
                    containersWaiting--;
                }
            }
            inFlight++;
        } finally {
            lock.unlock();
        }
    }

    private void release() {
        lock.lock();
        try {
            inFlight--;
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
