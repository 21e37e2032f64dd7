package io.kaji.controllers.endpointslice;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.Handlers;
import io.kaji.controllers.runtime.Keys;
import io.kaji.controllers.runtime.Reconciler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Mirrors hand-written Endpoints into EndpointSlices, as Kubernetes' endpointslicemirroring controller does, so
 * the service proxy and DNS (which read slices only) serve Services without a selector whose Endpoints a user or
 * an operator maintains (external databases, endpoints outside the cluster). Only Endpoints whose Service exists
 * and has no selector are mirrored, unless labeled {@code endpointslice.kubernetes.io/skip-mirror: "true"}. Each
 * subset becomes one slice (at most {@value #MAX_ENDPOINTS} addresses, ready and not-ready ones), labeled with the
 * Endpoints' labels plus the service name and {@value #MANAGED_BY}, owned by the Endpoints object.
 */
public final class EndpointSliceMirroringController implements Reconciler {

    public static final String MANAGED_BY = "endpointslicemirroring-controller.k8s.io";
    public static final String SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror";
    static final int MAX_ENDPOINTS = 1000;

    private final KubernetesClient client;
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<Endpoints> endpoints;
    private final SharedIndexInformer<EndpointSlice> slices;
    private final Controller controller;

    public EndpointSliceMirroringController(KubernetesClient client, SharedIndexInformer<Service> services,
                                            SharedIndexInformer<Endpoints> endpoints,
                                            SharedIndexInformer<EndpointSlice> slices, int workers) {
        this.client = client;
        this.services = services;
        this.endpoints = endpoints;
        this.slices = slices;
        this.controller = new Controller("endpointslice-mirroring", this, workers);
        services.addEventHandler(Handlers.onAnyChange(s -> controller.enqueue(Keys.of(s))));
        endpoints.addEventHandler(Handlers.onAnyChange(e -> controller.enqueue(Keys.of(e))));
        slices.addEventHandler(Handlers.onAnyChange(s -> {
            Map<String, String> labels = s.getMetadata().getLabels();
            if (labels != null && MANAGED_BY.equals(labels.get(EndpointSliceController.MANAGED_BY_LABEL))
                    && labels.get(EndpointSliceController.SERVICE_NAME_LABEL) != null) {
                controller.enqueue(Keys.of(s.getMetadata().getNamespace(),
                        labels.get(EndpointSliceController.SERVICE_NAME_LABEL)));
            }
        }));
    }

    public Controller controller() {
        return controller;
    }

    @Override
    public Result reconcile(String key) {
        String ns = Keys.namespace(key);
        String name = Keys.name(key);
        List<EndpointSlice> existing = slices.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns).stream()
                .filter(s -> s.getMetadata().getLabels() != null
                        && name.equals(s.getMetadata().getLabels().get(EndpointSliceController.SERVICE_NAME_LABEL))
                        && MANAGED_BY.equals(s.getMetadata().getLabels().get(EndpointSliceController.MANAGED_BY_LABEL)))
                .sorted(java.util.Comparator.comparing(s -> s.getMetadata().getName()))
                .toList();
        Service svc = services.getStore().getByKey(key);
        Endpoints ep = endpoints.getStore().getByKey(key);
        List<EndpointSlice> desired = shouldMirror(svc, ep) ? desired(ep) : List.of();
        for (int i = 0; i < desired.size(); i++) {
            EndpointSlice want = desired.get(i);
            if (i < existing.size()) {
                EndpointSlice have = existing.get(i);
                if (sameContent(have, want)) {
                    continue;
                }
                EndpointSlice updated = new EndpointSliceBuilder(have)
                        .editMetadata().withLabels(want.getMetadata().getLabels())
                        .withOwnerReferences(want.getMetadata().getOwnerReferences()).endMetadata()
                        .withAddressType(want.getAddressType()).withEndpoints(want.getEndpoints())
                        .withPorts(want.getPorts()).build();
                client.discovery().v1().endpointSlices().inNamespace(ns).resource(updated).update();
            } else {
                client.discovery().v1().endpointSlices().inNamespace(ns).resource(want).create();
            }
        }
        for (int i = desired.size(); i < existing.size(); i++) {
            try {
                client.discovery().v1().endpointSlices().inNamespace(ns)
                        .withName(existing.get(i).getMetadata().getName()).delete();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
        return Result.done();
    }

    /** The Service exists without a selector, and its Endpoints exist and do not opt out. */
    static boolean shouldMirror(Service svc, Endpoints ep) {
        if (svc == null || ep == null) {
            return false;
        }
        Map<String, String> selector = svc.getSpec() == null ? null : svc.getSpec().getSelector();
        if (selector != null && !selector.isEmpty()) {
            return false;
        }
        Map<String, String> labels = ep.getMetadata().getLabels();
        return labels == null || !"true".equals(labels.get(SKIP_MIRROR));
    }

    /** One slice per subset (its first {@value #MAX_ENDPOINTS} addresses), IPv6 when the first address is. */
    static List<EndpointSlice> desired(Endpoints ep) {
        List<EndpointSlice> out = new ArrayList<>();
        if (ep.getSubsets() == null) {
            return out;
        }
        for (EndpointSubset subset : ep.getSubsets()) {
            List<Endpoint> list = new ArrayList<>();
            addAll(list, subset.getAddresses(), true);
            addAll(list, subset.getNotReadyAddresses(), false);
            if (list.isEmpty()) {
                continue;
            }
            if (list.size() > MAX_ENDPOINTS) {
                list = new ArrayList<>(list.subList(0, MAX_ENDPOINTS));
            }
            String type = list.get(0).getAddresses().get(0).contains(":") ? "IPv6" : "IPv4";
            List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports = new ArrayList<>();
            if (subset.getPorts() != null) {
                for (EndpointPort p : subset.getPorts()) {
                    ports.add(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder()
                            .withName(p.getName()).withPort(p.getPort())
                            .withProtocol(p.getProtocol() == null ? "TCP" : p.getProtocol())
                            .withAppProtocol(p.getAppProtocol()).build());
                }
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (ep.getMetadata().getLabels() != null) {
                labels.putAll(ep.getMetadata().getLabels());
            }
            labels.put(EndpointSliceController.SERVICE_NAME_LABEL, ep.getMetadata().getName());
            labels.put(EndpointSliceController.MANAGED_BY_LABEL, MANAGED_BY);
            out.add(new EndpointSliceBuilder().withNewMetadata()
                    .withGenerateName(ep.getMetadata().getName() + "-")
                    .withNamespace(ep.getMetadata().getNamespace())
                    .withLabels(labels)
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Endpoints")
                            .withName(ep.getMetadata().getName()).withUid(ep.getMetadata().getUid())
                            .withController(true).withBlockOwnerDeletion(true).build())
                    .endMetadata()
                    .withAddressType(type).withEndpoints(list).withPorts(ports).build());
        }
        return out;
    }

    private static void addAll(List<Endpoint> out, List<EndpointAddress> addresses, boolean ready) {
        if (addresses == null) {
            return;
        }
        for (EndpointAddress a : addresses) {
            if (a.getIp() == null || a.getIp().isEmpty()) {
                continue;
            }
            EndpointBuilder b = new EndpointBuilder().withAddresses(a.getIp()).withNewConditions().withReady(ready)
                    .endConditions().withHostname(a.getHostname()).withNodeName(a.getNodeName())
                    .withTargetRef(a.getTargetRef());
            out.add(b.build());
        }
    }

    private static boolean sameContent(EndpointSlice have, EndpointSlice want) {
        return Objects.equals(have.getEndpoints(), want.getEndpoints())
                && Objects.equals(have.getPorts(), want.getPorts())
                && Objects.equals(have.getAddressType(), want.getAddressType())
                && Objects.equals(have.getMetadata().getLabels(), want.getMetadata().getLabels())
                && Objects.equals(have.getMetadata().getOwnerReferences(), want.getMetadata().getOwnerReferences());
    }
}
