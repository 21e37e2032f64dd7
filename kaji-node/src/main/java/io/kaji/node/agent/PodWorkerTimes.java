package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.node.stats.KubeletLatencies;
import io.kaji.node.stats.KubeletLatencies.PodWorkerOperation;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * What the pod workers' passes feed into {@link KubeletLatencies}: each pass's kind and duration, and each pod's
 * start (from when the agent first saw it to the first pass that found it running, once per pod). Remembers per
 * pod key its UID, its spec's generation and when it was first seen, until the pod is gone. A pod that was already
 * running in the API when the agent first saw it (an agent restart) is not counted as a start.
 */
final class PodWorkerTimes {

    private record Seen(String uid, Long generation, long firstSeenNanos, boolean synced, boolean started) {
    }

    private final KubeletLatencies latencies;
    private final LongSupplier nanos;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    PodWorkerTimes(KubeletLatencies latencies) {
        this(latencies, System::nanoTime);
    }

    PodWorkerTimes(KubeletLatencies latencies, LongSupplier nanos) {
        this.latencies = latencies;
        this.nanos = nanos;
    }

    /** The agent's watch delivered the pod for the first time: its start is counted from now. */
    void seen(String key, Pod pod) {
        String uid = pod.getMetadata().getUid();
        seen.compute(key, (k, s) -> s != null && Objects.equals(s.uid(), uid) ? s
                : new Seen(uid, pod.getMetadata().getGeneration(), nanos.getAsLong(), false, false));
    }

    /**
     * A pass over the pod under {@code key} starts; {@code pod} is its cached object, null if it is gone. Returns
     * the pass's kind, for {@link #end}.
     */
    PodWorkerOperation begin(String key, Pod pod) {
        if (pod == null) {
            seen.remove(key);
            return PodWorkerOperation.KILL;
        }
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return PodWorkerOperation.KILL;
        }
        String uid = pod.getMetadata().getUid();
        Long generation = pod.getMetadata().getGeneration();
        Seen s = seen.get(key);
        if (s == null || !Objects.equals(s.uid(), uid)) {
            seen.put(key, new Seen(uid, generation, nanos.getAsLong(), true, false));
            return PodWorkerOperation.CREATE;
        }
        if (!s.synced()) {
            seen.put(key, new Seen(uid, generation, s.firstSeenNanos(), true, s.started()));
            return PodWorkerOperation.CREATE;
        }
        if (!Objects.equals(s.generation(), generation)) {
            seen.put(key, new Seen(uid, generation, s.firstSeenNanos(), true, s.started()));
            return PodWorkerOperation.UPDATE;
        }
        return PodWorkerOperation.SYNC;
    }

    /** The pass begun at {@code startNanos} has ended. */
    void end(PodWorkerOperation op, long startNanos) {
        latencies.podWorker(op, (nanos.getAsLong() - startNanos) / 1e9);
    }

    /** The time {@link #end} measures from. */
    long now() {
        return nanos.getAsLong();
    }

    /**
     * A pass found the pod running; {@code pod} is the cached object the pass worked on, whose status is the one
     * in the API before the pass wrote its own.
     */
    void running(String key, Pod pod) {
        Seen s = seen.get(key);
        if (s == null || s.started() || !Objects.equals(s.uid(), pod.getMetadata().getUid())) {
            return;
        }
        seen.put(key, new Seen(s.uid(), s.generation(), s.firstSeenNanos(), s.synced(), true));
        boolean alreadyRunning = pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
        if (!alreadyRunning) {
            latencies.podStarted((nanos.getAsLong() - s.firstSeenNanos()) / 1e9);
        }
    }
}
