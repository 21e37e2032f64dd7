package io.kaji.controllers.endpointslice;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.Handlers;
import io.kaji.controllers.runtime.Keys;
import io.kaji.controllers.runtime.Pods;
import io.kaji.controllers.runtime.Reconciler;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Publishes which pods back each Service with a selector, as EndpointSlices (discovery.k8s.io/v1) and the legacy
 * Endpoints object: the service proxy and DNS read these to send traffic only to ready pods. Pods are grouped by
 * the ports their named targetPorts resolve to; at most 100 endpoints per slice. A pod counts as ready when its
 * Ready condition is true and it is not terminating (or always, with publishNotReadyAddresses); terminating pods
 * stay listed with {@code terminating: true} so connections can drain.
 */
public final class EndpointSliceController implements Reconciler {

    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    public static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "endpointslice-controller.k8s.io";
    static final int MAX_ENDPOINTS_PER_SLICE = 100;

    private final KubernetesClient client;
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<EndpointSlice> slices;
    private final Controller controller;
    /**
     * Per Service key, when the first change not yet reflected in its slices was seen: written to changed slices
     * as {@value #TRIGGER_TIME}, from which the service proxy measures network programming latency.
     */
    private final Map<String, Instant> triggers = new ConcurrentHashMap<>();

    /** Kubernetes' annotation for the time of the change that caused an EndpointSlice update. */
    public static final String TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time";

    public EndpointSliceController(KubernetesClient client, SharedIndexInformer<Service> services,
                                   SharedIndexInformer<Pod> pods, SharedIndexInformer<EndpointSlice> slices, int workers) {
        this.client = client;
        this.services = services;
        this.pods = pods;
        this.slices = slices;
        this.controller = new Controller("endpointslice", this, workers);
        services.addEventHandler(Handlers.onAnyChange(s -> changed(Keys.of(s))));
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                enqueueServicesOf(p, null);
            }

            @Override
            public void onUpdate(Pod old, Pod p) {
                if (!Objects.equals(old.getMetadata().getResourceVersion(), p.getMetadata().getResourceVersion())) {
                    enqueueServicesOf(p, old);
                }
            }

            @Override
            public void onDelete(Pod p, boolean unknownFinalState) {
                enqueueServicesOf(p, null);
            }
        });
        // Someone deleted a slice we manage: put it back.
        slices.addEventHandler(Handlers.onDelete(s -> {
            String svc = s.getMetadata().getLabels() == null ? null : s.getMetadata().getLabels().get(SERVICE_NAME_LABEL);
            if (svc != null && MANAGED_BY.equals(s.getMetadata().getLabels().get(MANAGED_BY_LABEL))) {
                controller.enqueue(Keys.of(s.getMetadata().getNamespace(), svc));
            }
        }));
    }

    public Controller controller() {
        return controller;
    }

    private void enqueueServicesOf(Pod p, Pod old) {
        for (Service s : services.getIndexer().byIndex(Cache.NAMESPACE_INDEX, p.getMetadata().getNamespace())) {
            Map<String, String> selector = s.getSpec() == null ? null : s.getSpec().getSelector();
            if (selector == null || selector.isEmpty()) {
                continue;
            }
            if (selects(selector, p) || (old != null && selects(selector, old))) {
                changed(Keys.of(s));
            }
        }
    }

    private void changed(String serviceKey) {
        triggers.putIfAbsent(serviceKey, Instant.now());
        controller.enqueue(serviceKey);
    }

    private static boolean selects(Map<String, String> selector, Pod p) {
        Map<String, String> labels = Optional.ofNullable(p.getMetadata().getLabels()).orElse(Map.of());
        return labels.entrySet().containsAll(selector.entrySet());
    }

    /** One endpoint and the port numbers it serves, before grouping into slices. */
    private record Backend(Pod pod, List<EndpointPort> ports) {}

    @Override
    public Result reconcile(String key) {
        Instant trigger = triggers.remove(key);
        try {
            return reconcile(key, trigger);
        } catch (RuntimeException e) {
            if (trigger != null) {
                triggers.merge(key, trigger, (a, b) -> a.isBefore(b) ? a : b);
            }
            throw e;
        }
    }

    private Result reconcile(String key, Instant trigger) {
        String ns = Keys.namespace(key);
        String name = Keys.name(key);
        Service svc = services.getStore().getByKey(key);
        List<EndpointSlice> existing = slices.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns).stream()
                .filter(s -> s.getMetadata().getLabels() != null && name.equals(s.getMetadata().getLabels().get(SERVICE_NAME_LABEL))
                        && MANAGED_BY.equals(s.getMetadata().getLabels().get(MANAGED_BY_LABEL)))
                .toList();
        if (svc == null || svc.getSpec().getSelector() == null || svc.getSpec().getSelector().isEmpty()) {
            // Deleted, or endpoints managed by hand: slices we made go (the garbage collector also would).
            for (EndpointSlice s : existing) {
                deleteSlice(s);
            }
            return Result.done();
        }
        boolean publishNotReady = Boolean.TRUE.equals(svc.getSpec().getPublishNotReadyAddresses());
        List<Backend> backends = new ArrayList<>();
        for (Pod p : pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns)) {
            if (!selects(svc.getSpec().getSelector(), p) || p.getStatus() == null || p.getStatus().getPodIP() == null
                    || p.getStatus().getPodIP().isEmpty()) {
                continue;
            }
            String phase = p.getStatus().getPhase();
            if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
                continue;
            }
            backends.add(new Backend(p, resolvePorts(svc, p)));
        }
        backends.sort(Comparator.comparing(b -> b.pod().getMetadata().getName()));

        // Group by port mapping, then cut into slices of at most 100 endpoints.
        Map<String, List<Backend>> groups = new LinkedHashMap<>();
        for (Backend b : backends) {
            groups.computeIfAbsent(portsKey(b.ports()), k -> new ArrayList<>()).add(b);
        }
        List<EndpointSlice> desired = new ArrayList<>();
        for (List<Backend> group : groups.values()) {
            for (int i = 0; i < group.size(); i += MAX_ENDPOINTS_PER_SLICE) {
                List<Backend> chunk = group.subList(i, Math.min(group.size(), i + MAX_ENDPOINTS_PER_SLICE));
                desired.add(slice(svc, chunk.get(0).ports(), chunk.stream()
                        .map(b -> endpoint(svc, b.pod(), publishNotReady)).toList()));
            }
        }
        if (desired.isEmpty()) {
            // A Service with no backends still has one (empty) slice, with its ports, as Kubernetes keeps.
            desired.add(slice(svc, resolvePorts(svc, null), List.of()));
        }
        syncSlices(existing, desired, trigger);
        syncEndpoints(svc, backends, publishNotReady);
        return Result.done();
    }

    private void syncSlices(List<EndpointSlice> existing, List<EndpointSlice> desired, Instant trigger) {
        if (trigger != null) {
            String time = DateTimeFormatter.ISO_INSTANT.format(trigger);
            desired.forEach(d -> d.getMetadata().getAnnotations().put(TRIGGER_TIME, time));
        }
        List<EndpointSlice> unused = new ArrayList<>(existing);
        unused.sort(Comparator.comparing(s -> s.getMetadata().getName()));
        for (EndpointSlice want : desired) {
            // Reuse a slice with the same ports if there is one, else any spare one, else create.
            EndpointSlice reuse = unused.stream().filter(s -> portsKey(s.getPorts()).equals(portsKey(want.getPorts())))
                    .findFirst().orElse(unused.isEmpty() ? null : unused.get(0));
            if (reuse == null) {
                client.discovery().v1().endpointSlices().inNamespace(want.getMetadata().getNamespace()).resource(want).create();
                continue;
            }
            unused.remove(reuse);
            if (Objects.equals(reuse.getEndpoints(), want.getEndpoints()) && Objects.equals(reuse.getPorts(), want.getPorts())) {
                continue;
            }
            EndpointSliceBuilder update = new EndpointSliceBuilder(reuse).withEndpoints(want.getEndpoints())
                    .withPorts(want.getPorts());
            String time = want.getMetadata().getAnnotations().get(TRIGGER_TIME);
            if (time != null) {
                update.editMetadata().addToAnnotations(TRIGGER_TIME, time).endMetadata();
            }
            EndpointSlice updated = update.build();
            client.discovery().v1().endpointSlices().inNamespace(reuse.getMetadata().getNamespace()).resource(updated).update();
        }
        unused.forEach(this::deleteSlice);
    }

    private void deleteSlice(EndpointSlice s) {
        try {
            client.discovery().v1().endpointSlices().inNamespace(s.getMetadata().getNamespace())
                    .withName(s.getMetadata().getName()).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private static EndpointSlice slice(Service svc, List<EndpointPort> ports, List<Endpoint> endpoints) {
        List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> slicePorts = ports.stream()
                .map(p -> new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder()
                        .withName(p.getName()).withPort(p.getPort()).withProtocol(p.getProtocol())
                        .withAppProtocol(p.getAppProtocol()).build())
                .toList();
        return new EndpointSliceBuilder()
                .withNewMetadata()
                .withGenerateName(svc.getMetadata().getName() + "-")
                .withNamespace(svc.getMetadata().getNamespace())
                .addToLabels(SERVICE_NAME_LABEL, svc.getMetadata().getName())
                .addToLabels(MANAGED_BY_LABEL, MANAGED_BY)
                .withAnnotations(new HashMap<>())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Service")
                        .withName(svc.getMetadata().getName()).withUid(svc.getMetadata().getUid())
                        .withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withAddressType("IPv4")
                .withEndpoints(endpoints)
                .withPorts(slicePorts)
                .build();
    }

    /**
     * The pod's hostname for endpoints of {@code svc}, as Kubernetes' ShouldSetHostname: set when the pod names a
     * hostname and the service, in its namespace, as its subdomain (a StatefulSet's pods and their governing
     * headless service), so that cluster DNS answers {@code <hostname>.<service>.<namespace>.svc}; else null.
     */
    static String hostname(Service svc, Pod p) {
        String hostname = p.getSpec() == null ? null : p.getSpec().getHostname();
        return hostname != null && !hostname.isEmpty()
                && svc.getMetadata().getName().equals(p.getSpec().getSubdomain())
                && svc.getMetadata().getNamespace().equals(p.getMetadata().getNamespace()) ? hostname : null;
    }

    private static Endpoint endpoint(Service svc, Pod p, boolean publishNotReady) {
        boolean terminating = p.getMetadata().getDeletionTimestamp() != null;
        boolean serving = Pods.isReady(p);
        return new EndpointBuilder()
                .withAddresses(p.getStatus().getPodIP())
                .withHostname(hostname(svc, p))
                .withNewConditions()
                .withReady(publishNotReady || (serving && !terminating))
                .withServing(publishNotReady || serving)
                .withTerminating(terminating)
                .endConditions()
                .withNodeName(p.getSpec() == null ? null : p.getSpec().getNodeName())
                .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withNamespace(p.getMetadata().getNamespace())
                        .withName(p.getMetadata().getName()).withUid(p.getMetadata().getUid()).build())
                .build();
    }

    /** The service's ports with targetPorts resolved against {@code pod}'s container ports (null: numbers only). */
    static List<EndpointPort> resolvePorts(Service svc, Pod pod) {
        List<EndpointPort> out = new ArrayList<>();
        for (ServicePort sp : Optional.ofNullable(svc.getSpec().getPorts()).orElse(List.of())) {
            Integer port;
            var target = sp.getTargetPort();
            if (target == null) {
                port = sp.getPort();
            } else if (target.getIntVal() != null) {
                port = target.getIntVal();
            } else {
                port = pod == null ? null : namedPort(pod, target.getStrVal(), sp.getProtocol());
                if (port == null) {
                    continue; // this pod does not expose the named port: it serves no traffic on it
                }
            }
            out.add(new EndpointPortBuilder().withName(sp.getName() == null ? "" : sp.getName()).withPort(port)
                    .withProtocol(sp.getProtocol() == null ? "TCP" : sp.getProtocol())
                    .withAppProtocol(sp.getAppProtocol()).build());
        }
        return out;
    }

    private static Integer namedPort(Pod pod, String name, String protocol) {
        if (pod.getSpec() == null) {
            return null;
        }
        for (var c : pod.getSpec().getContainers()) {
            for (ContainerPort cp : Optional.ofNullable(c.getPorts()).orElse(List.of())) {
                String proto = cp.getProtocol() == null ? "TCP" : cp.getProtocol();
                if (name.equals(cp.getName()) && proto.equals(protocol == null ? "TCP" : protocol)) {
                    return cp.getContainerPort();
                }
            }
        }
        return null;
    }

    private static String portsKey(List<?> ports) {
        List<String> parts = new ArrayList<>();
        for (Object p : ports == null ? List.of() : ports) {
            if (p instanceof EndpointPort e) {
                parts.add(e.getName() + ":" + e.getPort() + "/" + e.getProtocol());
            } else if (p instanceof io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort e) {
                parts.add(e.getName() + ":" + e.getPort() + "/" + e.getProtocol());
            }
        }
        parts.sort(null);
        return String.join(",", parts);
    }

    /** The legacy Endpoints object (same name as the Service), for clients that still read it. */
    private void syncEndpoints(Service svc, List<Backend> backends, boolean publishNotReady) {
        Map<String, EndpointSubsetBuilder> subsets = new LinkedHashMap<>();
        Map<String, List<EndpointAddress>> ready = new LinkedHashMap<>();
        Map<String, List<EndpointAddress>> notReady = new LinkedHashMap<>();
        for (Backend b : backends) {
            if (b.pod().getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            String k = portsKey(b.ports());
            subsets.computeIfAbsent(k, x -> new EndpointSubsetBuilder().withPorts(b.ports()));
            EndpointAddress address = new EndpointAddressBuilder().withIp(b.pod().getStatus().getPodIP())
                    .withHostname(hostname(svc, b.pod()))
                    .withNodeName(b.pod().getSpec().getNodeName())
                    .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withNamespace(b.pod().getMetadata().getNamespace())
                            .withName(b.pod().getMetadata().getName()).withUid(b.pod().getMetadata().getUid()).build())
                    .build();
            (publishNotReady || Pods.isReady(b.pod()) ? ready : notReady).computeIfAbsent(k, x -> new ArrayList<>()).add(address);
        }
        List<EndpointSubset> list = new ArrayList<>();
        subsets.forEach((k, builder) -> list.add(builder.withAddresses(ready.get(k)).withNotReadyAddresses(notReady.get(k)).build()));
        Endpoints want = new EndpointsBuilder().withNewMetadata().withName(svc.getMetadata().getName())
                .withNamespace(svc.getMetadata().getNamespace())
                .withLabels(svc.getMetadata().getLabels())
                .endMetadata().withSubsets(list.isEmpty() ? null : list).build();
        var op = client.endpoints().inNamespace(svc.getMetadata().getNamespace()).withName(svc.getMetadata().getName());
        Endpoints current = op.get();
        if (current == null) {
            client.endpoints().inNamespace(svc.getMetadata().getNamespace()).resource(want).create();
        } else if (!Objects.equals(normalize(current.getSubsets()), normalize(want.getSubsets()))) {
            current.setSubsets(want.getSubsets());
            client.endpoints().inNamespace(svc.getMetadata().getNamespace()).resource(current).update();
        }
    }

    private static List<EndpointSubset> normalize(List<EndpointSubset> s) {
        return s == null ? List.of() : s;
    }
}
