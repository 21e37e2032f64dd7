package io.kaji.controllers.resourcequota;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaStatus;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.Reconciler;
import io.kaji.quota.Quantities;
import io.kaji.quota.QuotaUsage;
import io.kaji.quota.QuotaUsage.GroupResource;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Kubernetes' ResourceQuota controller: keeps every quota's {@code status.hard} equal to its {@code spec.hard} and its
 * {@code status.used} equal to what the namespace's objects count ({@link QuotaUsage}, the evaluation the API
 * server's ResourceQuota admission plugin uses too). A quota is recalculated when it is created or its spec changes,
 * when an object it may count is created or deleted (pods, services, ConfigMaps, Secrets and claims are watched) or
 * a pod finishes or a service changes type, and every {@code resync} in any case (Kubernetes'
 * {@code --resource-quota-sync-period}, 5 minutes): that full pass is what catches {@code count/*} of other types.
 *
 * <p>The recalculation is authoritative: it lists the objects through the API and writes the status with the
 * quota's resourceVersion, so an admission increment written meanwhile makes the write conflict and the quota is
 * recalculated again, never overwritten with an older count.
 */
public final class ResourceQuotaController implements Reconciler {

    private static final Logger log = LoggerFactory.getLogger(ResourceQuotaController.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final KubernetesClient client;
    private final SharedIndexInformer<ResourceQuota> quotas;
    private final Duration resync;
    private final Clock clock;
    private final Controller controller;
    /** When each quota's periodic recalculation is due: one pending timer per quota, however often it is synced. */
    private final Map<String, Instant> resyncDue = new ConcurrentHashMap<>();
    /** Preferred version per API group, from discovery; groups not served map to "". */
    private final Map<String, String> versions = new ConcurrentHashMap<>();

    /**
     * @param counted informers of objects quotas count, whose creation, deletion or (for pods and services)
     *                usage-changing updates trigger a recalculation of their namespace's quotas
     * @param resync  how often each quota is recalculated even when nothing was seen to change
     */
    public ResourceQuotaController(KubernetesClient client, SharedIndexInformer<ResourceQuota> quotas,
            List<SharedIndexInformer<? extends HasMetadata>> counted, Duration resync, Clock clock, int workers) {
        this.client = client;
        this.quotas = quotas;
        this.resync = resync;
        this.clock = clock;
        this.controller = new Controller("resourcequota", this, workers);
        quotas.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ResourceQuota q) {
                controller.enqueue(key(q));
            }

            @Override
            public void onUpdate(ResourceQuota old, ResourceQuota q) {
                if (!Objects.equals(old.getSpec(), q.getSpec()) || !hardMatches(q)) {
                    controller.enqueue(key(q));
                }
            }

            @Override
            public void onDelete(ResourceQuota q, boolean unknownFinalState) {
            }
        });
        for (SharedIndexInformer<? extends HasMetadata> informer : counted) {
            watch(informer);
        }
    }

    private <T extends HasMetadata> void watch(SharedIndexInformer<T> informer) {
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                enqueueNamespace(obj.getMetadata().getNamespace());
            }

            @Override
            public void onUpdate(T old, T obj) {
                if (usageMayDiffer(old, obj)) {
                    enqueueNamespace(obj.getMetadata().getNamespace());
                }
            }

            @Override
            public void onDelete(T obj, boolean unknownFinalState) {
                enqueueNamespace(obj.getMetadata().getNamespace());
            }
        });
    }

    /** Kubernetes' replenishment: a pod that finished, a service whose type or ports changed. */
    static boolean usageMayDiffer(HasMetadata old, HasMetadata obj) {
        if (old instanceof Pod a && obj instanceof Pod b) {
            return !Objects.equals(phase(a), phase(b));
        }
        if (old instanceof Service a && obj instanceof Service b) {
            return a.getSpec() == null || b.getSpec() == null
                    || !Objects.equals(a.getSpec().getType(), b.getSpec().getType())
                    || !Objects.equals(a.getSpec().getPorts(), b.getSpec().getPorts());
        }
        return false;
    }

    private static String phase(Pod p) {
        return p.getStatus() == null ? null : p.getStatus().getPhase();
    }

    public Controller controller() {
        return controller;
    }

    private void enqueueNamespace(String namespace) {
        if (namespace == null) {
            return;
        }
        for (ResourceQuota q : quotas.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace)) {
            controller.enqueue(key(q));
        }
    }

    private static String key(ResourceQuota q) {
        return q.getMetadata().getNamespace() + "/" + q.getMetadata().getName();
    }

    private static boolean hardMatches(ResourceQuota q) {
        Map<String, Quantity> spec = q.getSpec() == null ? null : q.getSpec().getHard();
        Map<String, Quantity> status = q.getStatus() == null ? null : q.getStatus().getHard();
        return Objects.equals(texts(spec), texts(status));
    }

    @Override
    public Result reconcile(String key) {
        int slash = key.indexOf('/');
        String namespace = key.substring(0, slash);
        String name = key.substring(slash + 1);
        // Fresh, for the resourceVersion the status write is guarded by.
        ResourceQuota quota = client.resourceQuotas().inNamespace(namespace).withName(name).get();
        if (quota == null) {
            resyncDue.remove(key);
            return Result.done();
        }
        Map<String, String> hard = texts(quota.getSpec() == null ? null : quota.getSpec().getHard());
        JsonNode spec = quota.getSpec() == null ? null : JSON.valueToTree(quota.getSpec());
        Map<String, BigDecimal> counted = QuotaUsage.total(spec, hard.keySet(), gr -> list(namespace, gr));
        Map<String, String> used = new TreeMap<>();
        for (String resource : hard.keySet()) {
            used.put(resource, Quantities.format(counted.getOrDefault(resource, BigDecimal.ZERO)));
        }
        ResourceQuotaStatus status = quota.getStatus();
        if (status == null || !hard.equals(texts(status.getHard())) || !used.equals(normalized(status.getUsed()))) {
            quota.setStatus(new ResourceQuotaStatus(quantities(hard), quantities(used)));
            client.resourceQuotas().inNamespace(namespace).resource(quota).updateStatus();
            log.debug("resource quota {}: used {}", key, used);
        }
        return nextResync(key);
    }

    /**
     * The periodic recalculation: the key comes back after {@code resync}, unless a timer for it is pending already
     * (event-triggered passes in between must not pile up timers).
     */
    private Result nextResync(String key) {
        Instant now = clock.instant();
        Instant due = resyncDue.get(key);
        // The timer's own pass may run a little before the wall clock reaches `due`: it still counts as due.
        Duration slack = resync.dividedBy(10).compareTo(Duration.ofSeconds(1)) < 0 ? resync.dividedBy(10)
                : Duration.ofSeconds(1);
        if (due != null && now.isBefore(due.minus(slack))) {
            return Result.done();
        }
        resyncDue.put(key, now.plus(resync));
        return Result.requeueAfter(resync);
    }

    /** The namespace's objects of {@code gr} as JSON trees; none when the API does not serve it. */
    private List<JsonNode> list(String namespace, GroupResource gr) {
        String version = gr.group().isEmpty() ? "v1" : versions.computeIfAbsent(gr.group(), this::preferredVersion);
        if (version.isEmpty()) {
            versions.remove(gr.group()); // look again next time: the group may be added (a CRD)
            return List.of();
        }
        String path = (gr.group().isEmpty() ? "/api/" : "/apis/" + gr.group() + "/") + version + "/namespaces/"
                + namespace + "/" + gr.resource();
        String body;
        try {
            body = client.raw(path, "GET", null);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return List.of();
            }
            throw e;
        }
        if (body == null) {
            return List.of();
        }
        List<JsonNode> items = new ArrayList<>();
        JSON.readTree(body).path("items").forEach(items::add);
        return items;
    }

    private String preferredVersion(String group) {
        try {
            var g = client.getApiGroup(group);
            return g == null || g.getPreferredVersion() == null ? "" : g.getPreferredVersion().getVersion();
        } catch (KubernetesClientException e) {
            return "";
        }
    }

    private static Map<String, String> texts(Map<String, Quantity> list) {
        Map<String, String> out = new TreeMap<>();
        if (list != null) {
            list.forEach((k, v) -> out.put(k, v.toString()));
        }
        return out;
    }

    /** Used amounts as this controller prints them, so equal amounts written differently compare equal. */
    private static Map<String, String> normalized(Map<String, Quantity> list) {
        Map<String, String> out = new TreeMap<>();
        if (list != null) {
            list.forEach((k, v) -> {
                try {
                    out.put(k, Quantities.format(Quantities.amount(v.toString())));
                } catch (IllegalArgumentException e) {
                    out.put(k, v.toString());
                }
            });
        }
        return out;
    }

    private static Map<String, Quantity> quantities(Map<String, String> texts) {
        Map<String, Quantity> out = new TreeMap<>();
        texts.forEach((k, v) -> out.put(k, new Quantity(v)));
        return out;
    }
}
