package io.kaji.node.eviction;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/** Pods and usage figures for the eviction tests. */
final class EvictionFixtures {

    static final long MI = 1 << 20;

    private EvictionFixtures() {
    }

    /** A one-container pod "name" (uid = name) with an optional memory request and limit (null for none). */
    static Pod pod(String name, String request, String limit, Integer priority) {
        ContainerBuilder c = new ContainerBuilder().withName("c").withImage("busybox");
        if (request != null || limit != null) {
            c.withNewResources()
                    .withRequests(request == null ? null : Map.of("memory", new Quantity(request)))
                    .withLimits(limit == null ? null : Map.of("memory", new Quantity(limit))).endResources();
        }
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").withUid(name)
                .endMetadata().withNewSpec().withContainers(c.build()).withPriority(priority).endSpec()
                .withNewStatus().withPhase("Running").endStatus().build();
    }

    static PodUsage memory(long mi) {
        return new PodUsage(Map.of("c", new PodUsage.ContainerFigures(mi * MI, 0)));
    }
}
