package io.kaji.controllers.daemonset;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.kaji.controllers.deployment.TemplateHash;
import io.kaji.controllers.nodelifecycle.NodeLifecycleController;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.controllers.runtime.Expectations;
import io.kaji.controllers.runtime.Handlers;
import io.kaji.controllers.runtime.Keys;
import io.kaji.controllers.runtime.NodeSelectors;
import io.kaji.controllers.runtime.Pods;
import io.kaji.controllers.runtime.Reconciler;
import io.kaji.controllers.runtime.Tolerations;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One pod per eligible node for every DaemonSet, following nodes as they join and leave. A node is eligible when it
 * matches the template's nodeSelector and required node affinity and its NoSchedule/NoExecute taints are tolerated
 * (daemon pods tolerate the not-ready, unreachable, pressure and unschedulable taints automatically, as in
 * Kubernetes). Pods are pinned to their node with a {@code metadata.name} node-affinity field term and placed by the
 * scheduler. RollingUpdate replaces pods of an old template at most {@code maxUnavailable} (default 1) at a time.
 */
public final class DaemonSetController implements Reconciler {

    public static final String HASH_LABEL = "controller-revision-hash";

    private static final List<Toleration> DAEMON_TOLERATIONS = List.of(
            toleration(NodeLifecycleController.NOT_READY, "NoExecute"),
            toleration(NodeLifecycleController.UNREACHABLE, "NoExecute"),
            toleration("node.kubernetes.io/disk-pressure", "NoSchedule"),
            toleration("node.kubernetes.io/memory-pressure", "NoSchedule"),
            toleration("node.kubernetes.io/pid-pressure", "NoSchedule"),
            toleration("node.kubernetes.io/unschedulable", "NoSchedule"));

    private final KubernetesClient client;
    private final SharedIndexInformer<DaemonSet> daemonSets;
    private final SharedIndexInformer<Node> nodes;
    private final SharedIndexInformer<Pod> pods;
    private final EventRecorder events;
    private final Expectations expectations;
    private final Controller controller;

    public DaemonSetController(KubernetesClient client, SharedIndexInformer<DaemonSet> daemonSets, SharedIndexInformer<Node> nodes,
                               SharedIndexInformer<Pod> pods, EventRecorder events, Clock clock, int workers) {
        this.client = client;
        this.daemonSets = daemonSets;
        this.nodes = nodes;
        this.pods = pods;
        this.events = events;
        this.expectations = new Expectations(clock);
        this.controller = new Controller("daemonset", this, workers);
        daemonSets.addEventHandler(Handlers.onAnyChange(ds -> controller.enqueue(Keys.of(ds))));
        nodes.addEventHandler(Handlers.onAnyChange(n -> enqueueAll()));
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                owner(p).ifPresent(k -> {
                    expectations.creationObserved(k);
                    controller.enqueue(k);
                });
            }

            @Override
            public void onUpdate(Pod old, Pod p) {
                owner(p).ifPresent(controller::enqueue);
            }

            @Override
            public void onDelete(Pod p, boolean unknownFinalState) {
                owner(p).ifPresent(k -> {
                    expectations.deletionObserved(k, p.getMetadata().getUid());
                    controller.enqueue(k);
                });
            }
        });
    }

    public Controller controller() {
        return controller;
    }

    private void enqueueAll() {
        daemonSets.getStore().list().forEach(ds -> controller.enqueue(Keys.of(ds)));
    }

    private static Optional<String> owner(Pod p) {
        return Pods.controllerOf(p).filter(r -> "DaemonSet".equals(r.getKind()))
                .map(r -> Keys.of(p.getMetadata().getNamespace(), r.getName()));
    }

    @Override
    public Result reconcile(String key) {
        DaemonSet ds = daemonSets.getStore().getByKey(key);
        if (ds == null) {
            expectations.delete(key);
            return Result.done();
        }
        String hash = TemplateHash.of(ds.getSpec().getTemplate(), null);
        Map<String, List<Pod>> byNode = new HashMap<>();
        for (Pod p : pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ds.getMetadata().getNamespace())) {
            if (Pods.isActive(p) && Pods.controllerOf(p).map(r -> ds.getMetadata().getUid().equals(r.getUid())).orElse(false)) {
                byNode.computeIfAbsent(targetNode(p), k -> new ArrayList<>()).add(p);
            }
        }
        // New daemon pods go only where every NoSchedule/NoExecute taint is tolerated; a pod already running stays
        // as long as the NoExecute taints are tolerated (Kubernetes' shouldRun / shouldContinueRunning).
        List<Node> eligible = nodes.getStore().list().stream()
                .filter(n -> n.getMetadata().getDeletionTimestamp() == null)
                .filter(n -> shouldRun(ds, n, byNode.containsKey(n.getMetadata().getName()))).toList();
        boolean mayAct = expectations.satisfied(key) && ds.getMetadata().getDeletionTimestamp() == null;
        List<String> create = new ArrayList<>();
        List<Pod> delete = new ArrayList<>();
        for (Node n : eligible) {
            List<Pod> here = byNode.getOrDefault(n.getMetadata().getName(), List.of());
            if (here.isEmpty()) {
                create.add(n.getMetadata().getName());
            } else if (here.size() > 1) {
                delete.addAll(here.stream().sorted(Pods.DELETION_ORDER).limit(here.size() - 1L).toList());
            }
        }
        List<String> eligibleNames = eligible.stream().map(n -> n.getMetadata().getName()).toList();
        byNode.forEach((node, list) -> {
            if (!eligibleNames.contains(node)) {
                delete.addAll(list);
            }
        });
        // Rolling update: pods of an old template go, a few at a time, while the rest stay available.
        boolean rolling = ds.getSpec().getUpdateStrategy() == null || !"OnDelete".equals(ds.getSpec().getUpdateStrategy().getType());
        if (rolling) {
            int maxUnavailable = maxUnavailable(ds, eligible.size());
            long unavailable = eligible.stream().filter(n -> byNode.getOrDefault(n.getMetadata().getName(), List.of())
                    .stream().noneMatch(Pods::isReady)).count();
            for (Node n : eligible) {
                if (unavailable >= maxUnavailable) {
                    break;
                }
                for (Pod p : byNode.getOrDefault(n.getMetadata().getName(), List.of())) {
                    if (!hash.equals(labels(p).get(HASH_LABEL)) && !delete.contains(p)) {
                        delete.add(p);
                        if (Pods.isReady(p)) {
                            unavailable++;
                        }
                        break;
                    }
                }
            }
        }
        if (mayAct && (!create.isEmpty() || !delete.isEmpty())) {
            expectations.expectCreations(key, create.size());
            for (String node : create) {
                try {
                    Pod created = client.pods().inNamespace(ds.getMetadata().getNamespace()).resource(podFor(ds, node, hash)).create();
                    events.normal(ds, "SuccessfulCreate", "Created pod: " + created.getMetadata().getName());
                } catch (KubernetesClientException e) {
                    expectations.creationObserved(key);
                    events.warning(ds, "FailedCreate", "Error creating: " + e.getMessage());
                }
            }
            for (Pod p : delete) {
                try {
                    client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
                    events.normal(ds, "SuccessfulDelete", "Deleted pod: " + p.getMetadata().getName());
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) {
                        throw e;
                    }
                }
            }
        }
        writeStatus(ds, eligible, byNode, hash);
        return Result.done();
    }

    private static int maxUnavailable(DaemonSet ds, int nodes) {
        var ru = ds.getSpec().getUpdateStrategy() == null ? null : ds.getSpec().getUpdateStrategy().getRollingUpdate();
        if (ru == null || ru.getMaxUnavailable() == null) {
            return 1;
        }
        var v = ru.getMaxUnavailable();
        if (v.getIntVal() != null) {
            return Math.max(1, v.getIntVal());
        }
        String s = v.getStrVal();
        return Math.max(1, (int) Math.floor(nodes * Integer.parseInt(s.substring(0, s.length() - 1)) / 100.0));
    }

    private void writeStatus(DaemonSet ds, List<Node> eligible, Map<String, List<Pod>> byNode, String hash) {
        List<String> eligibleNames = eligible.stream().map(n -> n.getMetadata().getName()).toList();
        int scheduled = 0;
        int ready = 0;
        int updated = 0;
        for (String n : eligibleNames) {
            List<Pod> here = byNode.getOrDefault(n, List.of());
            if (!here.isEmpty()) {
                scheduled++;
                if (here.stream().anyMatch(Pods::isReady)) {
                    ready++;
                }
                if (here.stream().anyMatch(p -> hash.equals(labels(p).get(HASH_LABEL)))) {
                    updated++;
                }
            }
        }
        int misscheduled = (int) byNode.keySet().stream().filter(n -> !eligibleNames.contains(n)).count();
        DaemonSetStatus status = new DaemonSetStatusBuilder()
                .withDesiredNumberScheduled(eligible.size())
                .withCurrentNumberScheduled(scheduled)
                .withNumberMisscheduled(misscheduled)
                .withNumberReady(ready)
                .withNumberAvailable(ready)
                .withNumberUnavailable(eligible.size() - ready)
                .withUpdatedNumberScheduled(updated)
                .withObservedGeneration(ds.getMetadata().getGeneration())
                .build();
        if (!status.equals(ds.getStatus())) {
            client.apps().daemonSets().inNamespace(ds.getMetadata().getNamespace())
                    .resource(new DaemonSetBuilder(ds).withStatus(status).build()).updateStatus();
        }
    }

    /** The node a daemon pod is bound or pinned to. */
    public static String targetNode(Pod p) {
        if (p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty()) {
            return p.getSpec().getNodeName();
        }
        try {
            for (NodeSelectorTerm t : p.getSpec().getAffinity().getNodeAffinity()
                    .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms()) {
                for (NodeSelectorRequirement r : Optional.ofNullable(t.getMatchFields()).orElse(List.of())) {
                    if ("metadata.name".equals(r.getKey()) && "In".equals(r.getOperator()) && r.getValues().size() == 1) {
                        return r.getValues().get(0);
                    }
                }
            }
        } catch (NullPointerException e) {
            // no node affinity: not pinned
        }
        return "";
    }

    /**
     * Whether a daemon pod of {@code ds} belongs on {@code node}: selector, required affinity, taints (only
     * NoExecute ones when a pod is {@code alreadyRunning} there).
     */
    static boolean shouldRun(DaemonSet ds, Node node, boolean alreadyRunning) {
        PodSpec spec = ds.getSpec().getTemplate().getSpec();
        if (!NodeSelectors.matchesNode(spec, node)) {
            return false;
        }
        List<Toleration> tolerations = new ArrayList<>(Optional.ofNullable(spec.getTolerations()).orElse(List.of()));
        tolerations.addAll(DAEMON_TOLERATIONS);
        for (Taint t : Optional.ofNullable(node.getSpec() == null ? null : node.getSpec().getTaints()).orElse(List.of())) {
            if ("PreferNoSchedule".equals(t.getEffect()) || (alreadyRunning && "NoSchedule".equals(t.getEffect()))) {
                continue;
            }
            if (tolerations.stream().noneMatch(tol -> Tolerations.tolerates(tol, t))) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> labels(Pod p) {
        return Optional.ofNullable(p.getMetadata().getLabels()).orElse(Map.of());
    }

    static Pod podFor(DaemonSet ds, String node, String hash) {
        var meta = ds.getSpec().getTemplate().getMetadata();
        Map<String, String> labels = new LinkedHashMap<>(meta == null || meta.getLabels() == null ? Map.of() : meta.getLabels());
        labels.put(HASH_LABEL, hash);
        PodSpec spec = new PodSpecBuilder(ds.getSpec().getTemplate().getSpec())
                .editOrNewAffinity().editOrNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm().addNewMatchField().withKey("metadata.name").withOperator("In").withValues(node)
                .endMatchField().endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity().endAffinity()
                .build();
        List<Toleration> tolerations = new ArrayList<>(Optional.ofNullable(spec.getTolerations()).orElse(List.of()));
        for (Toleration t : DAEMON_TOLERATIONS) {
            if (!tolerations.contains(t)) {
                tolerations.add(t);
            }
        }
        spec.setTolerations(tolerations);
        return new PodBuilder()
                .withNewMetadata()
                .withGenerateName(ds.getMetadata().getName() + "-")
                .withNamespace(ds.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(meta == null ? null : meta.getAnnotations())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("DaemonSet")
                        .withName(ds.getMetadata().getName()).withUid(ds.getMetadata().getUid())
                        .withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withSpec(spec)
                .build();
    }

    private static Toleration toleration(String key, String effect) {
        return new TolerationBuilder().withKey(key).withOperator("Exists").withEffect(effect).build();
    }
}
