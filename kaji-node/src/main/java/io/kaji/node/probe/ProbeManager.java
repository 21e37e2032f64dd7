package io.kaji.node.probe;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.kaji.node.runtime.ContainerRuntime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the liveness, readiness and startup probes of every container on the node, off the pod workers, as the
 * kubelet's prober manager does: one {@link ProbeWorker} state per pod uid × container × probe kind, all timed by
 * one {@link ProbeTimer} (no thread per probe); each due probe runs on a virtual thread and its outcome is counted
 * against the probe's thresholds. When a result that counts changes, the pod's key goes to {@link Listener#changed}
 * so its (level-triggered) worker syncs again and reads {@link #health}; every failed run is reported to
 * {@link Listener#failed} for the {@code Unhealthy} event.
 *
 * <p>The pod worker feeds it with {@link #update} on each pass (the newest attempt of each container); a new
 * container id restarts that container's probes from their initial results; a new or newly running container's
 * readiness is probed at once (after its initialDelaySeconds), its liveness and startup probes one period later. {@link #removePod} stops a
 * pod's probes. Thread-safe.
 */
public final class ProbeManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProbeManager.class);

    /** Runs one probe once (blocking). */
    @FunctionalInterface
    public interface Runner {
        ProbeOutcome run(Probe probe, ProbeTarget target);
    }

    /** Where probe results go. Called on probe threads; implementations must not block for long. */
    public interface Listener {
        /** A result that counts changed for a container of pod {@code podKey} (namespace/name). */
        void changed(String podKey);

        /** One run of {@code kind} failed, warned or errored (before any threshold), for the event. */
        void failed(Pod pod, Container container, ProbeKind kind, ProbeOutcome outcome);
    }

    private record Key(String podUid, String container, ProbeKind kind) {}

    private final Runner runner;
    private final ProbeTimer timer;
    private final Executor probes;
    private final ExecutorService ownExecutor;
    private final Clock clock;
    private final Listener listener;
    private final Map<Key, ProbeWorker> workers = new ConcurrentHashMap<>();
    /** The latest pod object and IP per uid, for targets and events. */
    private final Map<String, PodInfo> pods = new ConcurrentHashMap<>();
    /** When this manager (the agent) started: containers running since before then were found, not started. */
    private final Instant begun;

    private record PodInfo(Pod pod, String ip) {}

    /**
     * @param probes runs each due probe; the probe blocks for at most its timeout
     */
    public ProbeManager(Runner runner, ProbeTimer timer, Executor probes, Clock clock, Listener listener) {
        this(runner, timer, probes, null, clock, listener);
    }

    private ProbeManager(Runner runner, ProbeTimer timer, Executor probes, ExecutorService own, Clock clock,
                         Listener listener) {
        this.runner = runner;
        this.timer = timer;
        this.probes = probes;
        this.ownExecutor = own;
        this.clock = clock;
        this.listener = listener;
        this.begun = clock.instant();
    }

    /**
     * The agent's manager: the real handlers over {@code runtime} (every probe passes on a runtime that runs no
     * containers), one timer thread, probes on virtual threads.
     */
    public static ProbeManager create(ContainerRuntime runtime, String nodeName, Clock clock, Listener listener) {
        Runner runner = runtime.runsContainers() ? new Prober(runtime)::probe
                : (probe, target) -> ProbeOutcome.success("simulated");
        ExecutorService virtual = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("kaji-probe-" + nodeName + "-", 0).factory());
        return new ProbeManager(runner, ProbeTimer.singleThread("kaji-probes-" + nodeName), virtual, virtual,
                clock, listener);
    }

    /**
     * The pod worker's view of pod {@code pod} (key {@code podKey}): starts the probes of its containers that have
     * any, hands each its container's newest attempt ({@code facts}, by container name; a container without
     * facts has not been created yet), and stops the probes of containers no longer in the spec.
     */
    public void update(String podKey, Pod pod, String podIp, List<ContainerFacts> facts) {
        String uid = pod.getMetadata().getUid();
        // The containers that can have probes: the sidecars, then the rest.
        List<Container> containers = io.kaji.node.PodContainers.sideBySide(pod);
        boolean probed = containers.stream().anyMatch(c -> c.getLivenessProbe() != null
                || c.getReadinessProbe() != null || c.getStartupProbe() != null);
        if (probed) {
            pods.put(uid, new PodInfo(pod, podIp));
        } else if (pods.remove(uid) == null && workers.isEmpty()) {
            return; // the common case: nothing to probe, nothing to stop
        }
        for (Container c : containers) {
            ContainerFacts f = facts.stream().filter(x -> x.name().equals(c.getName())).findFirst().orElse(null);
            for (ProbeKind kind : ProbeKind.values()) {
                Probe spec = kind.of(c);
                if (spec == null) {
                    continue;
                }
                ProbeWorker w = workers.computeIfAbsent(new Key(uid, c.getName(), kind), k -> {
                    log.debug("pod {}: {} probe of container {} starts", podKey, kind.word(), c.getName());
                    return new ProbeWorker(podKey, uid, c, kind, spec);
                });
                if (w.see(f) && f != null) {
                    kick(w, firstRun(kind, w));
                }
            }
        }
        workers.entrySet().removeIf(e -> {
            boolean gone = e.getKey().podUid().equals(uid)
                    && containers.stream().noneMatch(c -> c.getName().equals(e.getKey().container()));
            if (gone) {
                stop(e.getValue());
            }
            return gone;
        });
    }

    /** Stops every probe of the pods with key {@code podKey} (any uid). */
    public void removePod(String podKey) {
        workers.entrySet().removeIf(e -> {
            boolean match = e.getValue().podKey.equals(podKey);
            if (match) {
                stop(e.getValue());
                pods.remove(e.getKey().podUid());
            }
            return match;
        });
        pods.values().removeIf(p -> podKey.equals(p.pod().getMetadata().getNamespace() + "/"
                + p.pod().getMetadata().getName()));
    }

    /**
     * Container {@code c} of pod {@code podUid}, attempt {@code containerId}, as its probes see it. A container
     * that does not run is {@link ContainerHealth#DOWN}; one without probes is {@link ContainerHealth#UP}.
     */
    public ContainerHealth health(String podUid, Container c, String containerId, boolean running) {
        if (!running || containerId == null) {
            return ContainerHealth.DOWN;
        }
        boolean started = started(podUid, c, containerId);
        ProbeKind kill = null;
        ProbeWorker startup = workers.get(new Key(podUid, c.getName(), ProbeKind.STARTUP));
        if (c.getStartupProbe() != null && startup != null
                && startup.result(containerId) == ProbeOutcome.Result.FAILURE) {
            kill = ProbeKind.STARTUP;
        }
        ProbeWorker liveness = workers.get(new Key(podUid, c.getName(), ProbeKind.LIVENESS));
        if (c.getLivenessProbe() != null && liveness != null
                && liveness.result(containerId) == ProbeOutcome.Result.FAILURE) {
            kill = ProbeKind.LIVENESS;
        }
        boolean ready = started;
        if (c.getReadinessProbe() != null) {
            ProbeWorker readiness = workers.get(new Key(podUid, c.getName(), ProbeKind.READINESS));
            ready = started && readiness != null
                    && readiness.result(containerId) == ProbeOutcome.Result.SUCCESS;
        }
        return new ContainerHealth(started, ready, kill);
    }

    /**
     * Whether the startup probe of that container attempt has passed; true if the container has none. Decided by the
     * spec, not by whether the startup worker exists yet: {@link #update} creates a container's workers one after
     * the other, and a liveness tick in between must not take "no startup worker" for "no startup probe".
     */
    private boolean started(String podUid, Container c, String containerId) {
        if (c.getStartupProbe() == null) {
            return true;
        }
        ProbeWorker startup = workers.get(new Key(podUid, c.getName(), ProbeKind.STARTUP));
        return startup != null && startup.result(containerId) == ProbeOutcome.Result.SUCCESS;
    }

    /**
     * When to run the first probe of a new or newly running container. Readiness at once: a failure changes nothing
     * (it starts as Failure) and a success makes the pod ready a period sooner. Liveness and startup one period
     * later, as the kubelet's ticker would at the latest: run at once they would meet a process that has not
     * opened its port yet, and with {@code failureThreshold: 1} kill it. A container the agent found running when it
     * started (an agent restart) gets its first liveness and startup probe at a random point of the first period
     * instead, as the kubelet jitters its workers after a restart.
     */
    private Duration firstRun(ProbeKind kind, ProbeWorker w) {
        if (kind == ProbeKind.READINESS) {
            return Duration.ZERO;
        }
        ContainerFacts f = w.facts();
        if (f != null && f.startedAt() != null && f.startedAt().isBefore(begun)
                && Duration.between(begun, clock.instant()).compareTo(w.period) < 0) {
            // The agent restarted and found the container running: the kubelet's restart jitter, a random part of
            // one period, so that the liveness probes of every pod on the node do not all run in the same instant.
            return Duration.ofMillis(java.util.concurrent.ThreadLocalRandom.current().nextLong(
                    Math.max(1, w.period.toMillis())));
        }
        return w.period;
    }

    /** How many probe workers exist (for tests and metrics). */
    public int workers() {
        return workers.size();
    }

    /** Schedules {@code w}'s next tick after {@code delay}, replacing the one pending; not while it probes. */
    private void kick(ProbeWorker w, Duration delay) {
        synchronized (w) {
            if (w.stopped || w.probing) {
                return;
            }
            if (w.next != null) {
                w.next.cancel();
            }
            w.next = timer.schedule(delay, () -> tick(w));
        }
    }

    private void tick(ProbeWorker w) {
        Instant now = clock.instant();
        ContainerFacts f = w.facts();
        boolean started = f == null || started(w.podUid, w.container, f.containerId());
        ProbeWorker.Decision d;
        synchronized (w) {
            w.next = null;
            d = w.decide(now, started);
            if (d == ProbeWorker.Decision.WAIT) {
                // Wake up at the end of the initial delay if that comes before the next period.
                Duration wait = w.untilInitialDelayOver(now);
                if (wait.isZero() || wait.compareTo(w.period) > 0) {
                    wait = w.period;
                }
                if (!w.stopped) {
                    w.next = timer.schedule(wait, () -> tick(w));
                }
                return;
            }
            w.probing = true;
        }
        String id = w.containerId();
        PodInfo info = pods.get(w.podUid);
        ProbeTarget target = new ProbeTarget(info == null ? "" : info.ip(), w.container, id);
        try {
            probes.execute(() -> probe(w, id, info, target, now));
        } catch (RuntimeException e) {
            // The executor is shut down: the manager is closing.
            synchronized (w) {
                w.probing = false;
            }
        }
    }

    private void probe(ProbeWorker w, String id, PodInfo info, ProbeTarget target, Instant began) {
        ProbeOutcome outcome;
        try {
            outcome = runner.run(w.spec, target);
        } catch (RuntimeException e) {
            outcome = ProbeOutcome.error(String.valueOf(e.getMessage()));
        }
        if (!outcome.result().equals(ProbeOutcome.Result.SUCCESS) && info != null) {
            try {
                listener.failed(info.pod(), w.container, w.kind, outcome);
            } catch (RuntimeException e) {
                log.debug("probe listener failed: {}", e.getMessage());
            }
        }
        boolean changed = w.record(id, outcome);
        Duration elapsed = Duration.between(began, clock.instant());
        synchronized (w) {
            w.probing = false;
            if (!w.stopped) {
                Duration wait = w.period.minus(elapsed);
                w.next = timer.schedule(wait.isNegative() ? Duration.ZERO : wait, () -> tick(w));
            }
        }
        if (changed) {
            log.info("pod {}: {} probe of container {} ({}) now {}", w.podKey, w.kind.word(),
                    w.container.getName(), abbrev(id), w.result(id));
            if (w.kind == ProbeKind.STARTUP && outcome.passed()) {
                // Liveness and readiness were waiting for this: run them now rather than at their next period.
                for (ProbeKind k : List.of(ProbeKind.LIVENESS, ProbeKind.READINESS)) {
                    ProbeWorker other = workers.get(new Key(w.podUid, w.container.getName(), k));
                    if (other != null) {
                        kick(other, Duration.ZERO);
                    }
                }
            }
            listener.changed(w.podKey);
        }
    }

    private void stop(ProbeWorker w) {
        synchronized (w) {
            w.stopped = true;
            if (w.next != null) {
                w.next.cancel();
                w.next = null;
            }
        }
    }

    /** Stops every probe. */
    @Override
    public void close() {
        for (ProbeWorker w : new ArrayList<>(workers.values())) {
            stop(w);
        }
        workers.clear();
        timer.close();
        if (ownExecutor != null) {
            ownExecutor.shutdownNow();
        }
    }

    private static String abbrev(String id) {
        return id == null ? "-" : id.length() > 12 ? id.substring(0, 12) : id;
    }
}
