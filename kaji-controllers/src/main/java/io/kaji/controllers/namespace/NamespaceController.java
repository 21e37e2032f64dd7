package io.kaji.controllers.namespace;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.Handlers;
import io.kaji.controllers.runtime.Reconciler;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' namespace controller: a namespace with a deletionTimestamp is emptied of every namespaced object
 * ({@link NamespaceContentDeleter}), its status conditions say what is left and why ({@link DeletionConditions}),
 * and once nothing is left the {@code kubernetes} token is removed from {@code spec.finalizers} through the
 * {@code namespaces/{name}/finalize} subresource, after which the API server deletes the namespace. While content
 * remains the namespace is looked at again after half the estimated time (pods' grace periods, or 15 s for
 * finalizers), as Kubernetes does; failures are retried with the queue's back-off. Emits no events (neither does
 * Kubernetes' namespace controller).
 */
public final class NamespaceController implements Reconciler {

    /** The token this controller owns in {@code spec.finalizers}. */
    public static final String FINALIZER = "kubernetes";

    private static final Logger log = LoggerFactory.getLogger(NamespaceController.class);

    private final KubernetesClient client;
    private final NamespaceContentDeleter deleter;
    private final Clock clock;
    private final Controller controller;

    public NamespaceController(KubernetesClient client, SharedIndexInformer<Namespace> namespaces, Clock clock,
            int workers) {
        this.client = client;
        this.deleter = new NamespaceContentDeleter(client);
        this.clock = clock;
        this.controller = new Controller("namespace", this, workers);
        namespaces.addEventHandler(Handlers.onAnyChange(ns -> {
            if (ns.getMetadata().getDeletionTimestamp() != null) {
                controller.enqueue(ns.getMetadata().getName());
            }
        }));
    }

    public Controller controller() {
        return controller;
    }

    @Override
    public Result reconcile(String name) {
        // Several writers edit a terminating namespace (status, finalize): start from the latest version.
        Namespace ns = client.namespaces().withName(name).get();
        if (ns == null || ns.getMetadata().getDeletionTimestamp() == null) {
            return Result.done();
        }
        ns = ensureTerminating(ns);
        List<String> finalizers = ns.getSpec() == null || ns.getSpec().getFinalizers() == null ? List.of()
                : ns.getSpec().getFinalizers();
        if (!finalizers.contains(FINALIZER)) {
            return Result.done();
        }
        DeletionReport report = deleter.deleteAll(name);
        writeConditions(ns, report);
        if (!report.contentErrors().isEmpty() || report.discoveryError() != null
                || !report.groupVersionErrors().isEmpty()) {
            throw new IllegalStateException("namespace " + name + ": content deletion incomplete: "
                    + String.join("; ", problems(report)));
        }
        if (!report.complete()) {
            long seconds = Math.max(1, report.estimateSeconds() / 2);
            log.debug("namespace {}: content remains {}; looking again in {} s", name, report.remaining(), seconds);
            return Result.requeueAfter(Duration.ofSeconds(seconds));
        }
        finalizeNamespace(name);
        return Result.done();
    }

    private static List<String> problems(DeletionReport report) {
        List<String> out = new ArrayList<>();
        if (report.discoveryError() != null) {
            out.add(report.discoveryError());
        }
        out.addAll(report.groupVersionErrors());
        out.addAll(report.contentErrors());
        return out;
    }

    private Namespace ensureTerminating(Namespace ns) {
        if (ns.getStatus() != null && "Terminating".equals(ns.getStatus().getPhase())) {
            return ns;
        }
        Namespace updated = new NamespaceBuilder(ns).editOrNewStatus().withPhase("Terminating").endStatus().build();
        return client.namespaces().resource(updated).updateStatus();
    }

    /** Writes the deleter's conditions when they changed (a conflict is retried on the next pass). */
    private void writeConditions(Namespace ns, DeletionReport report) {
        List<NamespaceCondition> current = ns.getStatus() == null ? null : ns.getStatus().getConditions();
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        List<NamespaceCondition> merged = DeletionConditions.merge(current, DeletionConditions.of(report), now);
        if (merged == null) {
            return;
        }
        Namespace updated = new NamespaceBuilder(ns).editOrNewStatus().withConditions(merged).endStatus().build();
        try {
            client.namespaces().resource(updated).updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                log.info("namespace {}: writing deletion conditions failed: {}", ns.getMetadata().getName(),
                        e.getMessage());
            }
        }
    }

    /**
     * Removes this controller's token from spec.finalizers of the latest version (the status write above changed
     * the resourceVersion; a concurrent change makes the PUT conflict and the key comes back through the queue).
     * The API server deletes the namespace when no finalizer is left.
     */
    private void finalizeNamespace(String name) {
        Namespace latest = client.namespaces().withName(name).get();
        if (latest == null) {
            return;
        }
        List<String> rest = latest.getSpec() == null || latest.getSpec().getFinalizers() == null ? List.of()
                : latest.getSpec().getFinalizers().stream().filter(f -> !f.equals(FINALIZER)).distinct().sorted()
                        .toList();
        Namespace finalized = new NamespaceBuilder(latest).editOrNewSpec().withFinalizers(rest).endSpec().build();
        try {
            client.raw("/api/v1/namespaces/" + name + "/finalize", "PUT", finalized);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        log.info("namespace {}: content removed; finalized", name);
    }
}
