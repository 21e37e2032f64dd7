package io.kaji.apiserver.server;

import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.registry.Strategies;
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
 * kube-public and kube-node-lease, the {@code kubernetes} Service in default (the service CIDR's first address,
 * port 443), the cluster DNS Service kube-system/kube-dns (its tenth address, port 53), the priority classes
 * system-node-critical and system-cluster-critical, and the ConfigMap
 * kube-system/kaji-cluster that tells node agents the cluster's network settings (rewritten when they change).
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

    /** The ConfigMap node agents read the cluster's network settings from. */
    static final String CLUSTER_CONFIG = "kaji-cluster";

    void ensure(int apiPort, ApiServerConfig config) {
        ServiceCidr cidr = config.serviceCidr();
        ResourceDefinition ns = registry.find("", "v1", "namespaces").orElseThrow();
        for (String name : NAMESPACES) {
            ObjectNode o = object(ns, null, name);
            o.putObject("spec").putArray("finalizers").add("kubernetes");
            o.putObject("status").put("phase", "Active");
            Json.objectAt(Json.metadata(o), "labels").put("kubernetes.io/metadata.name", name);
            store.create(ns.key(null, name), StoredObjects.encode(o));
        }
        ensurePriorityClasses();
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
        clusterIpSpec(spec, cidr.apiServerIp());
        s.putObject("status").putObject("loadBalancer");
        store.create(svc.key("default", "kubernetes"), StoredObjects.encode(s));

        ObjectNode dns = object(svc, "kube-system", "kube-dns");
        ObjectNode dnsLabels = Json.objectAt(Json.metadata(dns), "labels");
        dnsLabels.put("k8s-app", "kube-dns");
        dnsLabels.put("kubernetes.io/name", "KajiDNS");
        ObjectNode dnsSpec = dns.putObject("spec");
        var dnsPorts = dnsSpec.putArray("ports");
        dnsPorts.addObject().put("name", "dns").put("protocol", "UDP").put("port", 53).put("targetPort", 53);
        dnsPorts.addObject().put("name", "dns-tcp").put("protocol", "TCP").put("port", 53).put("targetPort", 53);
        clusterIpSpec(dnsSpec, cidr.dnsIp());
        dns.putObject("status").putObject("loadBalancer");
        store.create(svc.key("kube-system", "kube-dns"), StoredObjects.encode(dns));

        ensureClusterConfig(config);
    }

    private static void clusterIpSpec(ObjectNode spec, String ip) {
        spec.put("clusterIP", ip);
        spec.putArray("clusterIPs").add(ip);
        spec.put("type", "ClusterIP");
        spec.put("sessionAffinity", "None");
        spec.putArray("ipFamilies").add("IPv4");
        spec.put("ipFamilyPolicy", "SingleStack");
        spec.put("internalTrafficPolicy", "Cluster");
    }

    /** The two system priority classes Kubernetes creates at start-up. */
    private void ensurePriorityClasses() {
        ResourceDefinition pc = registry.find("scheduling.k8s.io", "v1", "priorityclasses").orElseThrow();
        java.util.Map<String, String> descriptions = java.util.Map.of(
                "system-node-critical", "Used for system critical pods that must not be moved from their current node.",
                "system-cluster-critical", "Used for system critical pods that must run in the cluster, but can be "
                        + "moved to another node if necessary.");
        Strategies.SYSTEM_PRIORITY_CLASSES.forEach((name, value) -> {
            ObjectNode o = object(pc, null, name);
            o.put("value", value);
            o.put("globalDefault", false);
            o.put("description", descriptions.get(name));
            o.put("preemptionPolicy", "PreemptLowerPriority");
            store.create(pc.key(null, name), StoredObjects.encode(o));
        });
    }

    /** Creates or updates kube-system/kaji-cluster with the settings agents need. */
    private void ensureClusterConfig(ApiServerConfig config) {
        ResourceDefinition cm = registry.find("", "v1", "configmaps").orElseThrow();
        String key = cm.key("kube-system", CLUSTER_CONFIG);
        ObjectNode data = Json.object();
        if (config.clusterCidr() != null) {
            data.put("clusterCIDR", config.clusterCidr());
        }
        data.put("serviceCIDR", config.serviceCidr().toString());
        data.put("clusterDNS", config.serviceCidr().dnsIp());
        data.put("clusterDomain", config.clusterDomain());
        for (int attempt = 0; attempt < 5; attempt++) {
            var existing = store.get(key);
            if (existing.isEmpty()) {
                ObjectNode o = object(cm, "kube-system", CLUSTER_CONFIG);
                o.set("data", data);
                if (store.create(key, StoredObjects.encode(o)) instanceof io.kaji.store.WriteResult.Written) {
                    return;
                }
                continue;
            }
            ObjectNode o = StoredObjects.decode(existing.get());
            if (data.equals(o.get("data"))) {
                return;
            }
            o.set("data", data);
            if (store.update(key, StoredObjects.encode(o), existing.get().modRevision())
                    instanceof io.kaji.store.WriteResult.Written) {
                return;
            }
        }
        throw new IllegalStateException("could not write kube-system/" + CLUSTER_CONFIG + ": it keeps changing");
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
