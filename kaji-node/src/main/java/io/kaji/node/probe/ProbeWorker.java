package io.kaji.node.probe;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import java.time.Duration;
import java.time.Instant;

/**
 * The state of one probe of one container (pod uid × container × kind), with the kubelet's rules: the result
 * starts at the kind's initial value for each new container id; a run's result counts only after
 * {@code successThreshold} equal successes or {@code failureThreshold} equal failures in a row; nothing is probed
 * before {@code initialDelaySeconds} after the container started, nor while it does not run (readiness then
 * fails); liveness and readiness wait for the startup probe to pass and the startup probe stops once it has; after
 * a liveness or startup failure the worker holds until a new container id appears.
 *
 * <p>Decisions ({@link #decide}) and results ({@link #record}) are synchronized; the timing around them lives in
 * {@link ProbeManager}.
 */
final class ProbeWorker {

    /** What to do at a tick. */
    enum Decision { PROBE, WAIT }

    final String podKey;
    final String podUid;
    final Container container;
    final ProbeKind kind;
    final Probe spec;
    final Duration period;
    final Duration initialDelay;
    private final int successThreshold;
    private final int failureThreshold;

    private String containerId;
    private ProbeOutcome.Result result;
    private ProbeOutcome.Result lastResult;
    private int resultRun;
    private boolean onHold;
    private volatile ContainerFacts facts;
    /** The tick scheduled next, or null while a probe runs (it schedules the next tick itself). */
    ProbeTimer.Scheduled next;
    boolean probing;
    boolean stopped;

    ProbeWorker(String podKey, String podUid, Container container, ProbeKind kind, Probe spec) {
        this.podKey = podKey;
        this.podUid = podUid;
        this.container = container;
        this.kind = kind;
        this.spec = spec;
        this.period = Duration.ofSeconds(Prober.positive(spec.getPeriodSeconds(), 10));
        this.initialDelay = Duration.ofSeconds(spec.getInitialDelaySeconds() == null
                ? 0 : Math.max(0, spec.getInitialDelaySeconds()));
        // Liveness and startup probes must have successThreshold 1 (API validation); be safe if it is not.
        this.successThreshold = kind == ProbeKind.READINESS ? Prober.positive(spec.getSuccessThreshold(), 1) : 1;
        this.failureThreshold = Prober.positive(spec.getFailureThreshold(), 3);
    }

    /** Takes the pod worker's latest view of the container; true if it is a new container id or state. */
    boolean see(ContainerFacts f) {
        ContainerFacts before = facts;
        facts = f;
        return before == null || f == null || !f.containerId().equals(before.containerId())
                || f.running() != before.running();
    }

    ContainerFacts facts() {
        return facts;
    }

    /**
     * What to do now. {@code started}: whether the startup probe of this container id has passed (true without
     * one).
     */
    synchronized Decision decide(Instant now, boolean started) {
        ContainerFacts f = facts;
        if (stopped || f == null || f.containerId() == null) {
            return Decision.WAIT;
        }
        adopt(f.containerId());
        if (onHold) {
            return Decision.WAIT;
        }
        if (!f.running()) {
            result = ProbeOutcome.Result.FAILURE;
            return Decision.WAIT;
        }
        if (f.startedAt() != null && now.isBefore(f.startedAt().plus(initialDelay))) {
            return Decision.WAIT;
        }
        if (kind == ProbeKind.STARTUP ? started : !started) {
            return Decision.WAIT;
        }
        return Decision.PROBE;
    }

    /** How long until the initial delay of the current container is over, or zero. */
    Duration untilInitialDelayOver(Instant now) {
        ContainerFacts f = facts;
        if (f == null || f.startedAt() == null) {
            return Duration.ZERO;
        }
        Duration d = Duration.between(now, f.startedAt().plus(initialDelay));
        return d.isNegative() ? Duration.ZERO : d;
    }

    /**
     * Counts one run's outcome against the thresholds; returns true if the result that counts changed. Outcomes of
     * an older container id and errors are thrown away.
     */
    synchronized boolean record(String probedId, ProbeOutcome outcome) {
        if (stopped || !probedId.equals(containerId) || outcome.result() == ProbeOutcome.Result.UNKNOWN) {
            return false;
        }
        ProbeOutcome.Result r = outcome.passed() ? ProbeOutcome.Result.SUCCESS : ProbeOutcome.Result.FAILURE;
        if (r == lastResult) {
            resultRun++;
        } else {
            lastResult = r;
            resultRun = 1;
        }
        if ((r == ProbeOutcome.Result.FAILURE && resultRun < failureThreshold)
                || (r == ProbeOutcome.Result.SUCCESS && resultRun < successThreshold)) {
            return false;
        }
        boolean changed = r != result;
        result = r;
        if (r == ProbeOutcome.Result.FAILURE && kind != ProbeKind.READINESS) {
            // The container will be killed; probing it again would only race with the kill.
            onHold = true;
            resultRun = 0;
        }
        return changed;
    }

    /** The result that counts for container {@code id}: the kind's initial value until this worker has seen it. */
    synchronized ProbeOutcome.Result result(String id) {
        if (id == null || !id.equals(containerId)) {
            return kind.initial();
        }
        return result;
    }

    /** The container id this worker is probing now, or null. */
    synchronized String containerId() {
        return containerId;
    }

    private void adopt(String id) {
        if (!id.equals(containerId)) {
            containerId = id;
            result = kind.initial();
            lastResult = null;
            resultRun = 0;
            onHold = false;
        }
    }
}
