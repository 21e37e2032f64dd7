package io.kaji.scheduler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kaji.controllers.runtime.EventRecorder;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports through the Kubernetes API as kube-scheduler does: events from {@code default-scheduler}, and the
 * {@code PodScheduled} condition written with a strategic-merge patch of the status subresource (merging by
 * condition type, so the kubelet's conditions are kept). The condition is only written when it changes. Events
 * are written asynchronously by the {@link EventRecorder}; {@link #close} flushes and stops it.
 */
public final class ApiSchedulingReporter implements SchedulingReporter, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiSchedulingReporter.class);
    public static final String COMPONENT = "default-scheduler";

    private final KubernetesClient client;
    private final EventRecorder events;
    private final Clock clock;

    public ApiSchedulingReporter(KubernetesClient client, Clock clock) {
        this.client = client;
        this.events = new EventRecorder(client, COMPONENT, clock);
        this.clock = clock;
    }

    /** Events not written because the recorder's queue was full (best effort, as client-go's broadcaster). */
    public long eventsDropped() {
        return events.dropped();
    }

    @Override
    public void scheduled(Pod pod, String nodeName) {
        events.normal(withKind(pod), "Scheduled", "Successfully assigned " + pod.getMetadata().getNamespace() + "/"
                + pod.getMetadata().getName() + " to " + nodeName);
    }

    @Override
    public void failed(Pod pod, String reason, String message, String nominatedNode) {
        events.warning(withKind(pod), "FailedScheduling", message);
        if (sameCondition(pod, reason, message) && nominatedNode == null) {
            return;
        }
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("type", "PodScheduled");
        condition.put("status", "False");
        condition.put("reason", reason);
        condition.put("message", message);
        condition.put("lastProbeTime", null);
        condition.put("lastTransitionTime", clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("conditions", List.of(condition));
        if (nominatedNode != null) {
            status.put("nominatedNodeName", nominatedNode);
        }
        String patch = client.getKubernetesSerialization().asJson(Map.of("status", status));
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .subresource("status").patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch);
        } catch (KubernetesClientException e) {
            log.info("scheduler: could not set PodScheduled=False on pod {}/{}: {}", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), e.getMessage());
        }
    }

    /** Stops the event writer (events still queued are written first, for a few seconds at most). */
    @Override
    public void close() {
        events.close();
    }

    private static boolean sameCondition(Pod pod, String reason, String message) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("PodScheduled".equals(c.getType())) {
                return "False".equals(c.getStatus()) && reason.equals(c.getReason()) && message.equals(c.getMessage());
            }
        }
        return false;
    }

    /** Informer list items may lack apiVersion/kind; events need them in involvedObject. */
    private static Pod withKind(Pod pod) {
        if ("Pod".equals(pod.getKind()) && "v1".equals(pod.getApiVersion())) {
            return pod;
        }
        return new PodBuilder(pod).withApiVersion("v1").withKind("Pod").build();
    }
}
