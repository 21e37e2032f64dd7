package io.kaji.controllers.gc;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.Reconciler;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes objects whose owners are gone, and carries out the three propagation policies of a delete, as
 * Kubernetes' garbage collector does:
 * <ul>
 *   <li><b>Background</b>: the owner is deleted at once; afterwards every dependent whose owners are all gone is
 *       deleted (and, recursively, its own dependents); a dependent that still has another owner only loses
 *       the dangling reference.</li>
 *   <li><b>Foreground</b>: the owner carries the {@code foregroundDeletion} finalizer; its dependents are deleted
 *       first, and the finalizer is removed when no dependent with {@code blockOwnerDeletion} is left.</li>
 *   <li><b>Orphan</b>: the owner carries the {@code orphan} finalizer; the references to it are removed from its
 *       dependents, then the finalizer.</li>
 * </ul>
 * Owners are confirmed absent by a live read (not only the cache) before anything is deleted, so a dependent
 * seen before its owner is never collected by mistake.
 */
public final class GarbageCollector implements Reconciler {

    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

    public static final String FOREGROUND = "foregroundDeletion";
    public static final String ORPHAN = "orphan";

    /** A kind whose objects the collector watches (as owners or dependents). */
    public record Watched(String apiVersion, String kind) {}

    private final KubernetesClient client;
    private final OwnerGraph graph = new OwnerGraph();
    private final Controller controller;

    public GarbageCollector(KubernetesClient client, int workers) {
        this.client = client;
        this.controller = new Controller("garbage-collector", this, workers);
    }

    public Controller controller() {
        return controller;
    }

    /**
     * Feeds one kind's informer into the graph: any informer of that kind, typed (the controller manager passes the
     * ones its other controllers run, as the collector reads only metadata) or generic; the node's apiVersion and
     * kind are {@code kind}'s, whatever the objects carry.
     */
    public <T extends HasMetadata> void watch(Watched kind, SharedIndexInformer<T> informer) {
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(T o) {
                observe(kind, o);
            }

            @Override
            public void onUpdate(T old, T o) {
                observe(kind, o);
            }

            @Override
            public void onDelete(T o, boolean unknownFinalState) {
                OwnerGraph.Node gone = graph.remove(o.getMetadata().getUid());
                // Its dependents may now be orphans; its owners (in foreground deletion) may now be free to go.
                graph.dependentsOf(o.getMetadata().getUid()).forEach(d -> controller.enqueue(d.uid()));
                if (gone != null) {
                    gone.owners().forEach(r -> controller.enqueue(r.getUid()));
                }
            }
        });
    }

    private void observe(Watched kind, HasMetadata o) {
        var m = o.getMetadata();
        OwnerGraph.Node node = new OwnerGraph.Node(m.getUid(), kind.apiVersion(), kind.kind(), m.getNamespace(),
                m.getName(), Optional.ofNullable(m.getOwnerReferences()).orElse(List.of()),
                Optional.ofNullable(m.getFinalizers()).orElse(List.of()), m.getDeletionTimestamp() != null);
        graph.put(node);
        if (!node.owners().isEmpty() || (node.deleting()
                && (node.finalizers().contains(FOREGROUND) || node.finalizers().contains(ORPHAN)))) {
            controller.enqueue(node.uid());
        }
    }

    @Override
    public Result reconcile(String uid) {
        OwnerGraph.Node node = graph.get(uid);
        if (node == null) {
            return Result.done();
        }
        if (node.deleting() && node.finalizers().contains(ORPHAN)) {
            orphanDependents(node);
            return Result.done();
        }
        if (node.deleting() && node.finalizers().contains(FOREGROUND)) {
            deleteDependentsFirst(node);
            return Result.done();
        }
        collectIfOwnersGone(node);
        return Result.done();
    }

    private void collectIfOwnersGone(OwnerGraph.Node node) {
        if (node.owners().isEmpty() || node.deleting()) {
            return;
        }
        List<OwnerReference> dangling = new ArrayList<>();
        boolean waitingForForegroundOwner = false;
        for (OwnerReference ref : node.owners()) {
            OwnerState owner = ownerState(node, ref);
            if (!owner.exists()) {
                dangling.add(ref);
            } else if (owner.deletingInForeground()) {
                waitingForForegroundOwner = true;
            }
        }
        if (dangling.isEmpty()) {
            if (waitingForForegroundOwner && node.owners().size() == 1) {
                // The only owner is being deleted in the foreground: this dependent goes first.
                delete(node, DeletionPropagation.FOREGROUND);
            }
            return;
        }
        if (dangling.size() == node.owners().size()) {
            log.info("garbage collector: deleting {}: all its owners are gone", node.describe());
            delete(node, DeletionPropagation.BACKGROUND);
            return;
        }
        List<OwnerReference> remaining = node.owners().stream()
                .filter(r -> dangling.stream().noneMatch(d -> d.getUid().equals(r.getUid()))).toList();
        setOwners(node, remaining);
    }

    private void orphanDependents(OwnerGraph.Node owner) {
        for (OwnerGraph.Node d : graph.dependentsOf(owner.uid())) {
            setOwners(d, d.owners().stream().filter(r -> !owner.uid().equals(r.getUid())).toList());
        }
        removeFinalizer(owner, ORPHAN);
    }

    private void deleteDependentsFirst(OwnerGraph.Node owner) {
        boolean blocked = false;
        for (OwnerGraph.Node d : graph.dependentsOf(owner.uid())) {
            OwnerReference ref = d.owners().stream().filter(r -> owner.uid().equals(r.getUid())).findFirst().orElse(null);
            if (ref == null) {
                continue;
            }
            if (Boolean.TRUE.equals(ref.getBlockOwnerDeletion())) {
                blocked = true;
            }
            if (!d.deleting()) {
                delete(d, DeletionPropagation.FOREGROUND);
            }
        }
        if (!blocked) {
            removeFinalizer(owner, FOREGROUND);
        }
    }

    private Resource<GenericKubernetesResource> resource(String apiVersion, String kind, String namespace, String name) {
        var op = client.genericKubernetesResources(apiVersion, kind);
        return namespace == null ? op.withName(name) : op.inNamespace(namespace).withName(name);
    }

    /** Whether an owner exists with the referenced UID, and whether it waits for its dependents to go. */
    private record OwnerState(boolean exists, boolean deletingInForeground) {
        static OwnerState of(boolean deleting, List<String> finalizers) {
            return new OwnerState(true, deleting && finalizers != null && finalizers.contains(FOREGROUND));
        }
    }

    /** The owner's state: from the graph when it is there, else from a live read (the cache may lag). */
    private OwnerState ownerState(OwnerGraph.Node dependent, OwnerReference ref) {
        OwnerGraph.Node cached = graph.get(ref.getUid());
        if (cached != null) {
            return OwnerState.of(cached.deleting(), cached.finalizers());
        }
        try {
            GenericKubernetesResource live = resource(ref.getApiVersion(), ref.getKind(), dependent.namespace(), ref.getName()).get();
            if (live == null && dependent.namespace() != null) {
                // The owner may be cluster-scoped.
                live = resource(ref.getApiVersion(), ref.getKind(), null, ref.getName()).get();
            }
            if (live == null || !ref.getUid().equals(live.getMetadata().getUid())) {
                return new OwnerState(false, false);
            }
            return OwnerState.of(live.getMetadata().getDeletionTimestamp() != null, live.getMetadata().getFinalizers());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return new OwnerState(false, false);
            }
            throw e;
        }
    }

    private void delete(OwnerGraph.Node node, DeletionPropagation propagation) {
        try {
            resource(node.apiVersion(), node.kind(), node.namespace(), node.name())
                    .withPropagationPolicy(propagation).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private void setOwners(OwnerGraph.Node node, List<OwnerReference> owners) {
        try {
            resource(node.apiVersion(), node.kind(), node.namespace(), node.name()).edit(o -> {
                o.getMetadata().setOwnerReferences(owners.isEmpty() ? null : new ArrayList<>(owners));
                return o;
            });
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private void removeFinalizer(OwnerGraph.Node node, String finalizer) {
        try {
            resource(node.apiVersion(), node.kind(), node.namespace(), node.name()).edit(o -> {
                List<String> f = new ArrayList<>(Optional.ofNullable(o.getMetadata().getFinalizers()).orElse(List.of()));
                f.remove(finalizer);
                o.getMetadata().setFinalizers(f.isEmpty() ? null : f);
                return o;
            });
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }
}
