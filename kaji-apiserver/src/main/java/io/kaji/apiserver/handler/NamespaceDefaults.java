package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import tools.jackson.databind.node.ObjectNode;

/**
 * What every namespace holds from the moment it exists: the {@code default} ServiceAccount and the
 * {@code kube-root-ca.crt} ConfigMap with the cluster CA. Kubernetes leaves both to its controllers, so a pod created
 * right after its namespace can be refused ({@code serviceaccount "default" not found}) or wait for its token
 * volume; Kaji's API server writes them together with the namespace, and the ServiceAccount controller keeps them
 * (recreating deleted ones, following CA changes). Existing objects are left alone.
 */
final class NamespaceDefaults {

    static final String ROOT_CA = "kube-root-ca.crt";

    private final ObjectStorage storage;
    private final ObjectLifecycle lifecycle;
    private final ResourceDefinition serviceAccounts;
    private final ResourceDefinition configMaps;
    private final String caPem;

    NamespaceDefaults(ResourceRegistry registry, ObjectStorage storage, ObjectLifecycle lifecycle, String caPem) {
        this.storage = storage;
        this.lifecycle = lifecycle;
        this.serviceAccounts = registry.find("", "v1", "serviceaccounts").orElseThrow();
        this.configMaps = registry.find("", "v1", "configmaps").orElseThrow();
        this.caPem = caPem;
    }

    /** Writes whichever of the two objects {@code namespace} lacks. */
    void ensure(String namespace) {
        if (storage.find(serviceAccounts, namespace, "default").isEmpty()) {
            create(serviceAccounts, namespace, object(serviceAccounts, "default"));
        }
        if (storage.find(configMaps, namespace, ROOT_CA).isEmpty()) {
            ObjectNode cm = object(configMaps, ROOT_CA);
            Json.objectAt(Json.metadata(cm), "annotations").put("kubernetes.io/description",
                    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
                            + "endpoints such as the internal service IP or kubernetes.default.svc. No other usage "
                            + "is guaranteed across distributions of Kubernetes clusters.");
            cm.putObject("data").put("ca.crt", caPem);
            create(configMaps, namespace, cm);
        }
    }

    private void create(ResourceDefinition def, String namespace, ObjectNode obj) {
        lifecycle.prepareCreate(def, namespace, obj);
        try {
            storage.create(def, namespace, Json.text(obj, "metadata.name"), obj);
        } catch (ApiException e) {
            if (e.code() != 409) {
                throw e;
            }
        }
    }

    private static ObjectNode object(ResourceDefinition def, String name) {
        ObjectNode o = Json.object();
        o.put("apiVersion", def.apiVersion());
        o.put("kind", def.kind());
        o.putObject("metadata").put("name", name);
        return o;
    }
}
