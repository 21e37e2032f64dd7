package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.node.probe.ProbeKind;
import io.kaji.node.probe.ProbeManager;
import io.kaji.node.probe.ProbeOutcome;
import java.util.function.Consumer;

/**
 * The probe manager's listener in the agent: a result change enqueues the pod for its worker, and every failed
 * probe run becomes the kubelet's event — {@code Unhealthy} "Liveness probe failed: OUTPUT", "Readiness probe
 * errored and resulted in unknown state: ERROR", or {@code ProbeWarning} "Readiness probe warning: ...".
 */
final class ProbeEvents implements ProbeManager.Listener {

    private final EventRecorder events;
    private final Consumer<String> enqueue;

    ProbeEvents(EventRecorder events, Consumer<String> enqueue) {
        this.events = events;
        this.enqueue = enqueue;
    }

    @Override
    public void changed(String podKey) {
        enqueue.accept(podKey);
    }

    @Override
    public void failed(Pod pod, Container container, ProbeKind kind, ProbeOutcome outcome) {
        if (events == null) {
            return;
        }
        String fieldPath = PodSpecs.fieldPath(pod, container.getName());
        switch (outcome.result()) {
            case FAILURE, UNKNOWN -> events.record(pod, fieldPath, "Warning", "Unhealthy", message(kind, outcome));
            case WARNING -> events.record(pod, fieldPath, "Warning", "ProbeWarning", message(kind, outcome));
            default -> {
            }
        }
    }

    /** The event message the kubelet writes for a run with this outcome. */
    static String message(ProbeKind kind, ProbeOutcome outcome) {
        return switch (outcome.result()) {
            case FAILURE -> kind.title() + " probe failed: " + outcome.output();
            case UNKNOWN -> kind.title() + " probe errored and resulted in unknown state: " + outcome.output();
            case WARNING -> kind.title() + " probe warning: " + outcome.output();
            case SUCCESS -> kind.title() + " probe succeeded";
        };
    }
}
