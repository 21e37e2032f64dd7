package io.kaji.scheduler;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Nodes and pods for unit tests, built the way the API would hold them. */
public final class Fixtures {

    private Fixtures() {
    }

    /** A Ready node with {@code cpu} cores, {@code memory} (e.g. "8Gi") and 110 pods allocatable. */
    public static NodeBuilder node(String name, String cpu, String memory) {
        Map<String, Quantity> alloc = new LinkedHashMap<>();
        alloc.put("cpu", new Quantity(cpu));
        alloc.put("memory", new Quantity(memory));
        alloc.put("pods", new Quantity("110"));
        return new NodeBuilder().withNewMetadata().withName(name).withUid(UUID.randomUUID().toString())
                .addToLabels("kubernetes.io/hostname", name).endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().withAllocatable(alloc).withCapacity(alloc)
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus();
    }

    public static Node node(String name) {
        return node(name, "4", "8Gi").build();
    }

    public static Taint taint(String key, String value, String effect) {
        return new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
    }

    /** A pending pod in namespace default with one container requesting {@code cpu}/{@code memory} (null: none). */
    public static PodBuilder pod(String name, String cpu, String memory) {
        ContainerBuilder c = new ContainerBuilder().withName("c").withImage("busybox:1");
        if (cpu != null || memory != null) {
            Map<String, Quantity> req = new LinkedHashMap<>();
            if (cpu != null) {
                req.put("cpu", new Quantity(cpu));
            }
            if (memory != null) {
                req.put("memory", new Quantity(memory));
            }
            c.withNewResources().withRequests(req).endResources();
        }
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("default")
                .withUid(UUID.randomUUID().toString()).withCreationTimestamp("2026-01-01T00:00:00Z").endMetadata()
                .withNewSpec().withContainers(c.build()).endSpec();
    }

    public static Pod pod(String name) {
        return pod(name, null, null).build();
    }

    /** {@code pod} bound to {@code node}. */
    public static Pod on(Pod pod, String node) {
        return new PodBuilder(pod).editSpec().withNodeName(node).endSpec().build();
    }

    public static Container container(String name, String cpu) {
        return new ContainerBuilder().withName(name).withImage("busybox:1").withNewResources()
                .addToRequests("cpu", new Quantity(cpu)).endResources().build();
    }
}
