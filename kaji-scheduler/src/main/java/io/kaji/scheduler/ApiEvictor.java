package io.kaji.scheduler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kaji.scheduler.plugins.defaultpreemption.Evictor;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evicts preemption victims as kube-scheduler does: first the {@code DisruptionTarget} condition (reason
 * {@code PreemptionByScheduler}) on the victim's status, so its controller and {@code kubectl describe} can tell a
 * preemption from a crash, then a delete with the pod's grace period. Preemption does not go through the eviction
 * API; PodDisruptionBudgets are weighed earlier, when DefaultPreemption chooses the node and the victims.
 */
final class ApiEvictor implements Evictor {

    private static final Logger log = LoggerFactory.getLogger(ApiEvictor.class);

    private final KubernetesClient client;
    ApiEvictor(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public void evict(Pod victim, Pod preemptor) {
        String ns = victim.getMetadata().getNamespace();
        String name = victim.getMetadata().getName();
        log.info("scheduler: preempting pod {}/{} on node {} for pod {}/{}", ns, name, victim.getSpec().getNodeName(),
                preemptor.getMetadata().getNamespace(), preemptor.getMetadata().getName());
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("type", "DisruptionTarget");
        condition.put("status", "True");
        condition.put("reason", "PreemptionByScheduler");
        condition.put("message", ApiSchedulingReporter.COMPONENT + ": preempting to accommodate a higher priority pod");
        condition.put("lastTransitionTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        String patch = client.getKubernetesSerialization().asJson(
                Map.of("status", Map.of("conditions", List.of(condition))));
        try {
            client.pods().inNamespace(ns).withName(name).subresource("status")
                    .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch);
        } catch (KubernetesClientException e) {
            log.info("scheduler: could not mark preemption victim {}/{}: {}", ns, name, e.getMessage());
        }
        try {
            client.pods().inNamespace(ns).withName(name).delete();
        } catch (KubernetesClientException e) {
            log.info("scheduler: could not delete preemption victim {}/{}: {}", ns, name, e.getMessage());
        }
    }
}
