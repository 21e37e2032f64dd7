package io.kaji.apiserver.server;

import io.kaji.apiserver.pki.ClusterPki;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.StoredObjects;
import io.kaji.store.RevisionedStore;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.node.ObjectNode;

/**
 * The objects every cluster has from the start, created when missing: the namespaces default, kube-system,
 * kube-public and kube-node-lease, and the {@code kubernetes} Service in default (cluster IP 10.43.0.1, port 443).
 */
final class SystemObjects {

    static final List<String> NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");

    private final RevisionedStore store;
    private final ResourceRegistry registry;
    private final Clock clock;

    SystemObjects(RevisionedStore store, ResourceRegistry registry, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.clock = clock;
    }

    void ensure(int apiPort) {
        ResourceDefinition ns = registry.find("", "v1", "namespaces").orElseThrow();
        for (String name : NAMESPACES) {
            ObjectNode o = object(ns, null, name);
            o.putObject("spec").putArray("finalizers").add("kubernetes");
            o.putObject("status").put("phase", "Active");
            Json.objectAt(Json.metadata(o), "labels").put("kubernetes.io/metadata.name", name);
            store.create(ns.key(null, name), StoredObjects.encode(o));
        }
        ResourceDefinition svc = registry.find("", "v1", "services").orElseThrow();
        ObjectNode s = object(svc, "default", "kubernetes");
        ObjectNode labels = Json.objectAt(Json.metadata(s), "labels");
        labels.put("component", "apiserver");
        labels.put("provider", "kubernetes");
        ObjectNode spec = s.putObject("spec");
        ObjectNode port = spec.putArray("ports").addObject();
        port.put("name", "https");
        port.put("protocol", "TCP");
        port.put("port", 443);
        port.put("targetPort", apiPort == 0 ? 6443 : apiPort);
        spec.put("clusterIP", ClusterPki.SERVICE_IP);
        spec.putArray("clusterIPs").add(ClusterPki.SERVICE_IP);
        spec.put("type", "ClusterIP");
        spec.put("sessionAffinity", "None");
        spec.putArray("ipFamilies").add("IPv4");
        spec.put("ipFamilyPolicy", "SingleStack");
        spec.put("internalTrafficPolicy", "Cluster");
        s.putObject("status").putObject("loadBalancer");
        store.create(svc.key("default", "kubernetes"), StoredObjects.encode(s));
    }

    private ObjectNode object(ResourceDefinition def, String namespace, String name) {
        ObjectNode o = Json.object();
        o.put("kind", def.kind());
        o.put("apiVersion", def.apiVersion());
        ObjectNode meta = o.putObject("metadata");
        meta.put("name", name);
        if (namespace != null) {
            meta.put("namespace", namespace);
        }
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("creationTimestamp", Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
        return o;
    }
}
