package io.kaji.scheduler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.scheduler.plugins.defaultpreemption.Evictor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evicts preemption victims by deleting them (with their grace period), as kube-scheduler does: preemption does
 * not go through the eviction API. PodDisruptionBudgets are weighed earlier, when DefaultPreemption chooses the
 * node and the victims.
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
        try {
            client.pods().inNamespace(ns).withName(name).delete();
        } catch (KubernetesClientException e) {
            log.info("scheduler: could not delete preemption victim {}/{}: {}", ns, name, e.getMessage());
        }
    }
}
