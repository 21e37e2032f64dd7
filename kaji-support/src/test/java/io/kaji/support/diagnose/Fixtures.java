package io.kaji.support.diagnose;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Objects and snapshots for analyzer tests. */
final class Fixtures {

    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    private Fixtures() {
    }

    /** A snapshot builder: add objects, then {@link #build()}. */
    static final class Snap {
        final List<Pod> pods = new ArrayList<>();
        final List<Deployment> deployments = new ArrayList<>();
        final List<ReplicaSet> replicaSets = new ArrayList<>();
        final List<Job> jobs = new ArrayList<>();
        final List<Service> services = new ArrayList<>();
        final List<EndpointSlice> slices = new ArrayList<>();
        final List<Node> nodes = new ArrayList<>();
        final List<Event> events = new ArrayList<>();
        final List<ConfigMap> configMaps = new ArrayList<>();
        final List<Secret> secrets = new ArrayList<>();
        final Map<String, String> unavailable = new HashMap<>();

        ClusterSnapshot build() {
            return new ClusterSnapshot(pods, deployments, replicaSets, List.of(), List.of(), jobs, List.of(),
                    services, slices, List.of(), List.of(), List.of(), List.of(), nodes, events, configMaps,
                    secrets, List.of(), List.of(), unavailable);
        }
    }

    /** A pod bound to node n1, created ten minutes before {@link #NOW}, with one container "app". */
    static PodBuilder pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("shop")
                .withCreationTimestamp(NOW.minusSeconds(600).toString()).addToLabels("app", "web").endMetadata()
                .withNewSpec().withNodeName("n1").withRestartPolicy("Always")
                .addNewContainer().withName("app").withImage("registry.local:5000/shop/web:1.2").endContainer()
                .endSpec()
                .withNewStatus().withPhase("Running").endStatus();
    }

    static ContainerStatusBuilder status(String container) {
        return new ContainerStatusBuilder().withName(container).withImage("registry.local:5000/shop/web:1.2")
                .withRestartCount(0).withReady(false);
    }

    static Pod withStatuses(PodBuilder b, ContainerStatus... statuses) {
        return b.editStatus().withContainerStatuses(statuses).endStatus().build();
    }

    static Event event(String kind, String name, String type, String reason, String message, int count,
            String fieldPath) {
        return new EventBuilder().withNewMetadata().withName(name + "." + reason + count).withNamespace("shop")
                .endMetadata().withNewInvolvedObject().withKind(kind).withName(name).withNamespace("shop")
                .withFieldPath(fieldPath).endInvolvedObject().withType(type).withReason(reason).withMessage(message)
                .withCount(count).withLastTimestamp(NOW.minusSeconds(30).toString()).build();
    }

    static Node node(String name, String ready, Map<String, String> labels) {
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus(ready)
                .withReason("True".equals(ready) ? "KubeletReady" : "NodeStatusUnknown")
                .withMessage("True".equals(ready) ? "ready" : "Kubelet stopped posting node status.")
                .withLastHeartbeatTime(NOW.minusSeconds(90).toString()).endCondition()
                .addToAllocatable("cpu", new Quantity("2")).addToAllocatable("memory", new Quantity("8Gi"))
                .endStatus().build();
    }

    static DiagnoseContext context(LogReader logs) {
        return new DiagnoseContext(NOW, logs);
    }
}
