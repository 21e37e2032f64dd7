package io.kaji.apiserver.auth;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.handler.WriteCheck;
import io.kaji.apiserver.registry.PodReferences;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.serialization.Json;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Kubernetes' Node authorizer, for node identities ({@code system:node:<name>} in {@code system:nodes}): a node
 * may write only its own Node (and its status) and its own Lease in {@code kube-node-lease}, read, update the status
 * of and delete only the pods bound to it, and get a Secret or ConfigMap only when a pod bound to it uses it
 * (volumes, projected sources, env, envFrom, image pull secrets) and request a token for a service account one of
 * its pods runs as (projected token volumes); it may read Nodes, record events and request and
 * read certificates. Everything else is left to RBAC (no opinion). As a {@link WriteCheck} it also makes sure a
 * node creates only a Node and Lease of its own name (NodeRestriction's part that authorization cannot see, the
 * name of a created object). Reads cached objects only. Thread-safe.
 */
public final class NodeAuthorizer implements Authorizer, WriteCheck {

    public static final String NODE_PREFIX = "system:node:";
    public static final String NODES_GROUP = "system:nodes";
    private static final Set<String> READ = Set.of("get", "list", "watch");

    /** The pods the authorizer sees (from the watch cache). */
    public interface Pods {
        /** The pod, or null. */
        ObjectNode get(String namespace, String name);

        /** Every pod of {@code namespace}. */
        List<ObjectNode> inNamespace(String namespace);
    }

    private final Pods pods;

    public NodeAuthorizer(Pods pods) {
        this.pods = pods;
    }

    /** The node name of a node identity, or null for other users. */
    public static String nodeName(UserInfo user) {
        if (!user.name().startsWith(NODE_PREFIX) || !user.inGroup(NODES_GROUP)) {
            return null;
        }
        String name = user.name().substring(NODE_PREFIX.length());
        return name.isEmpty() ? null : name;
    }

    @Override
    public Decision authorize(Attributes a) {
        String node = nodeName(a.user());
        if (node == null || !a.resourceRequest()) {
            return Decision.NO_OPINION;
        }
        String group = a.apiGroup();
        String resource = a.resource();
        String sub = a.subresource();
        if (group.isEmpty() && resource.equals("nodes")) {
            if (READ.contains(a.verb()) && sub.isEmpty()) {
                return Decision.allow("");
            }
            boolean own = a.name().equals(node) || (a.verb().equals("create") && a.name().isEmpty());
            return own && (sub.isEmpty() || sub.equals("status")) && Set.of("create", "update", "patch", "delete")
                    .contains(a.verb()) ? Decision.allow("") : deny("node \"" + node
                    + "\" may only change its own Node");
        }
        if (group.equals("coordination.k8s.io") && resource.equals("leases")) {
            boolean own = a.namespace().equals("kube-node-lease")
                    && (a.name().equals(node) || (a.verb().equals("create") && a.name().isEmpty()));
            return own && Set.of("get", "create", "update", "patch", "delete").contains(a.verb())
                    ? Decision.allow("") : deny("node \"" + node + "\" may only use its own Lease");
        }
        if (group.isEmpty() && resource.equals("pods")) {
            if ((a.verb().equals("list") || a.verb().equals("watch")) && sub.isEmpty()) {
                // Like the kubelet: the agent's informer (and node network policy) lists pods; RBAC decides.
                return Decision.NO_OPINION;
            }
            ObjectNode pod = a.name().isEmpty() ? null : pods.get(a.namespace(), a.name());
            boolean bound = pod != null && node.equals(Json.text(pod, "spec.nodeName"));
            boolean verbOk = sub.isEmpty() ? Set.of("get", "delete").contains(a.verb())
                    : sub.equals("status") && Set.of("get", "update", "patch").contains(a.verb());
            return bound && verbOk ? Decision.allow("") : deny("no relationship found between node '" + node
                    + "' and this object");
        }
        if (group.isEmpty() && resource.equals("serviceaccounts") && sub.equals("token")
                && a.verb().equals("create")) {
            // The token of a projected service-account volume; TokenRequests checks that the pod it is bound to
            // exists and runs as this account.
            for (ObjectNode pod : pods.inNamespace(a.namespace())) {
                if (node.equals(Json.text(pod, "spec.nodeName"))
                        && a.name().equals(pod.path("spec").path("serviceAccountName").asString("default"))) {
                    return Decision.allow("");
                }
            }
            return deny("no relationship found between node '" + node + "' and this object");
        }
        if (group.isEmpty() && (resource.equals("secrets") || resource.equals("configmaps"))) {
            // get, and list/watch of the one object (fieldSelector metadata.name=, which the request's attributes
            // carry as its name): the kubelet's watch of each object its pods' volumes use.
            if (READ.contains(a.verb()) && sub.isEmpty() && !a.name().isEmpty()
                    && usedByBoundPod(node, a.namespace(), resource, a.name())) {
                return Decision.allow("");
            }
            return deny("no relationship found between node '" + node + "' and this object");
        }
        if ((group.isEmpty() || group.equals("events.k8s.io")) && resource.equals("events")
                && Set.of("create", "update", "patch").contains(a.verb())) {
            return Decision.allow("");
        }
        if (group.equals("certificates.k8s.io") && resource.equals("certificatesigningrequests") && sub.isEmpty()
                && Set.of("create", "get", "list", "watch").contains(a.verb())) {
            return Decision.allow("");
        }
        if (a.verb().equals("create") && sub.isEmpty() && (group.equals("authentication.k8s.io")
                && resource.equals("tokenreviews") || group.equals("authorization.k8s.io")
                && (resource.equals("subjectaccessreviews") || resource.equals("localsubjectaccessreviews")))) {
            // The node's webhook authentication and authorization of callers of its own endpoint (Kubernetes'
            // node rules allow these to every node).
            return Decision.allow("");
        }
        return Decision.NO_OPINION;
    }

    /** A refusal with the node authorizer's reason; RBAC is still asked (it grants nodes nothing of this). */
    private static Decision deny(String reason) {
        return Decision.deny(reason);
    }

    private boolean usedByBoundPod(String node, String namespace, String resource, String name) {
        for (ObjectNode pod : pods.inNamespace(namespace)) {
            if (node.equals(Json.text(pod, "spec.nodeName")) && references(pod.path("spec"), resource, name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a pod spec uses the Secret or ConfigMap {@code name}. */
    static boolean references(JsonNode spec, String resource, String name) {
        return PodReferences.names(spec, resource.equals("secrets")).contains(name);
    }

    /** A node may only create the Node and the Lease of its own name. */
    @Override
    public void check(ResourceDefinition def, String namespace, ObjectNode next, ObjectNode current,
            UserInfo user) {
        String node = nodeName(user);
        if (node == null || current != null) {
            return;
        }
        String name = Json.text(next, "metadata.name");
        boolean nodes = def.group().isEmpty() && def.plural().equals("nodes");
        boolean leases = def.group().equals("coordination.k8s.io") && def.plural().equals("leases");
        if ((nodes || leases) && !node.equals(name)) {
            throw ApiException.forbidden(def.plural(), def.group(), name, "node \"" + node + "\" may only create "
                    + (nodes ? "its own Node" : "its own Lease") + " (named \"" + node + "\")");
        }
    }
}
