package io.kaji.apiserver.admission.noderestriction;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.AdmissionAttributes.Operation;
import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.admission.ValidatingPlugin;
import io.kaji.apiserver.admission.Verdict;
import io.kaji.apiserver.auth.NodeAuthorizer;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.registry.PodReferences;
import io.kaji.apiserver.serialization.Json;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Kubernetes' NodeRestriction admission plugin: limits what a node identity ({@code system:node:<name>} in
 * {@code system:nodes}) may write, beyond what the Node authorizer can see from the request line:
 * <ul>
 * <li>Nodes: only its own; on create no {@code node-restriction.kubernetes.io/} labels and no
 *     {@code kubernetes.io}/{@code k8s.io} labels outside the kubelet's own set; on update neither those labels
 *     changed nor its taints;</li>
 * <li>Pods: only mirror pods bound to itself, owned by its Node (matching uid) and referencing no service account,
 *     secret, config map or claim; only delete pods bound to itself; only update the status of pods bound to
 *     itself, without changing their labels; only evict pods bound to itself;</li>
 * <li>PersistentVolumeClaims: only their status capacity and conditions;</li>
 * <li>Leases: only its own, in {@code kube-node-lease}.</li>
 * </ul>
 * Messages are Kubernetes' own. Other users pass untouched. It runs in the validating phase (Kubernetes runs it
 * as a mutating plugin that changes nothing), so it sees the final object. Reads pods and nodes from
 * {@link ClusterObjects}. Thread-safe.
 */
public final class NodeRestriction implements ValidatingPlugin {

    public static final String NAME = "NodeRestriction";
    /** The label namespace only administrators may set on nodes. */
    static final String RESTRICTED_LABEL_NAMESPACE = "node-restriction.kubernetes.io";
    static final String MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
    /** The kubernetes.io labels a kubelet sets on its own Node (k8s.io/kubelet/pkg/apis). */
    private static final Set<String> KUBELET_LABELS = Set.of("kubernetes.io/hostname",
            "topology.kubernetes.io/zone", "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone",
            "failure-domain.beta.kubernetes.io/region", "beta.kubernetes.io/instance-type",
            "node.kubernetes.io/instance-type", "kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/os",
            "beta.kubernetes.io/arch");
    private static final Set<String> KUBELET_LABEL_NAMESPACES = Set.of("kubelet.kubernetes.io",
            "node.kubernetes.io");

    private final ClusterObjects objects;

    public NodeRestriction(ClusterObjects objects) {
        this.objects = objects;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Deletes and evictions of pods are restricted too. */
    @Override
    public boolean handles(AdmissionAttributes a) {
        return true;
    }

    @Override
    public Verdict validate(AdmissionAttributes a) {
        if (!a.user().inGroup(NodeAuthorizer.NODES_GROUP) || !a.user().name().startsWith(NodeAuthorizer.NODE_PREFIX)) {
            return Verdict.allowed();
        }
        String node = NodeAuthorizer.nodeName(a.user());
        String problem = node == null
                ? "could not determine node from user \"" + a.user().name() + "\""
                : problem(node, a);
        return problem == null ? Verdict.allowed() : Verdict.denied(ApiException.forbidden(a.resource(), a.group(),
                a.name(), problem));
    }

    private String problem(String node, AdmissionAttributes a) {
        if (a.is("", "pods")) {
            String sub = a.subresource() == null ? "" : a.subresource();
            return switch (sub) {
                case "" -> pod(node, a);
                case "status" -> podStatus(node, a);
                case "eviction" -> podEviction(node, a);
                default -> "unexpected pod subresource \"" + sub + "\", only 'status' and 'eviction' are allowed";
            };
        }
        if (a.is("", "nodes")) {
            return node(node, a);
        }
        if (a.is("", "persistentvolumeclaims")) {
            return "status".equals(a.subresource()) ? claimStatus(node, a) : "may only update PVC status";
        }
        if (a.is("coordination.k8s.io", "leases")) {
            if (!"kube-node-lease".equals(a.namespace())) {
                return "can only access leases in the \"kube-node-lease\" system namespace";
            }
            return node.equals(a.name()) ? null
                    : "can only access node lease with the same name as the requesting node";
        }
        if (a.is("storage.k8s.io", "csinodes")) {
            return node.equals(a.name()) ? null
                    : "can only access CSINode with the same name as the requesting node";
        }
        return null;
    }

    private String pod(String node, AdmissionAttributes a) {
        return switch (a.operation()) {
            case CREATE -> mirrorPod(node, a.object());
            case DELETE -> {
                ObjectNode existing = a.oldObject() != null ? a.oldObject()
                        : objects.get("", "pods", a.namespace(), a.name()).orElse(null);
                yield existing != null && node.equals(Json.text(existing, "spec.nodeName")) ? null
                        : "node \"" + node + "\" can only delete pods with spec.nodeName set to itself";
            }
            case UPDATE -> "unexpected operation \"UPDATE\", node \"" + node + "\" can only create and delete "
                    + "mirror pods";
        };
    }

    private String mirrorPod(String node, ObjectNode pod) {
        if (!pod.path("metadata").path("annotations").has(MIRROR_POD_ANNOTATION)) {
            return "pod does not have \"" + MIRROR_POD_ANNOTATION + "\" annotation, node \"" + node
                    + "\" can only create mirror pods";
        }
        if (!node.equals(Json.text(pod, "spec.nodeName"))) {
            return "node \"" + node + "\" can only create pods with spec.nodeName set to itself";
        }
        JsonNode owners = pod.path("metadata").path("ownerReferences");
        if (owners.size() > 1) {
            return "node \"" + node + "\" can only create pods with a single owner reference set to itself";
        }
        JsonNode owner = owners.path(0);
        if (owners.size() == 0 || !"v1".equals(owner.path("apiVersion").asString(""))
                || !"Node".equals(owner.path("kind").asString("")) || !node.equals(owner.path("name").asString(""))) {
            return "node \"" + node + "\" can only create pods with an owner reference set to itself";
        }
        if (!owner.path("controller").asBoolean(false)) {
            return "node \"" + node + "\" can only create pods with a controller owner reference set to itself";
        }
        if (owner.path("blockOwnerDeletion").asBoolean(false)) {
            return "node \"" + node + "\" must not set blockOwnerDeletion on an owner reference";
        }
        Optional<ObjectNode> self = objects.get("", "nodes", null, node);
        if (self.isEmpty()) {
            throw ApiException.notFound("nodes", "", node);
        }
        String uid = Json.text(self.get(), "metadata.uid");
        if (!Objects.equals(uid, owner.path("uid").asString(""))) {
            return "node " + node + " UID mismatch: expected " + owner.path("uid").asString("") + " got " + uid;
        }
        JsonNode spec = pod.path("spec");
        if (!spec.path("serviceAccountName").asString("").isEmpty()) {
            return "node \"" + node + "\" can not create pods that reference a service account";
        }
        if (references(spec, "secrets")) {
            return "node \"" + node + "\" can not create pods that reference secrets";
        }
        if (references(spec, "configmaps")) {
            return "node \"" + node + "\" can not create pods that reference configmaps";
        }
        for (JsonNode v : spec.path("volumes")) {
            for (JsonNode src : v.path("projected").path("sources")) {
                if (src.has("clusterTrustBundle")) {
                    return "node \"" + node + "\" can not create pods that reference clustertrustbundles";
                }
            }
        }
        for (JsonNode v : spec.path("volumes")) {
            if (v.has("persistentVolumeClaim")) {
                return "node \"" + node + "\" can not create pods that reference persistentvolumeclaims";
            }
        }
        return null;
    }

    /** Whether a pod spec names any Secret (or ConfigMap) at all. */
    private static boolean references(JsonNode spec, String resource) {
        return !PodReferences.names(spec, resource.equals("secrets")).isEmpty();
    }

    private String podStatus(String node, AdmissionAttributes a) {
        if (a.operation() != Operation.UPDATE) {
            return "unexpected operation \"" + a.operation() + "\"";
        }
        ObjectNode old = a.oldObject();
        if (old == null || !node.equals(Json.text(old, "spec.nodeName"))) {
            return "node \"" + node + "\" can only update pod status for pods with spec.nodeName set to itself";
        }
        if (!labels(old).equals(labels(a.object()))) {
            return "node \"" + node + "\" cannot update labels through pod status";
        }
        if (!old.path("status").path("resourceClaimStatuses")
                .equals(a.object().path("status").path("resourceClaimStatuses"))) {
            return "node \"" + node + "\" cannot update resource claim statues";
        }
        return null;
    }

    private String podEviction(String node, AdmissionAttributes a) {
        if (a.operation() != Operation.CREATE) {
            return "unexpected operation " + a.operation();
        }
        String podName = a.name();
        if (podName == null || podName.isEmpty()) {
            podName = a.object() == null ? null : Json.text(a.object(), "metadata.name");
            if (podName == null || podName.isEmpty()) {
                return "could not determine pod from request data";
            }
        }
        ObjectNode pod = objects.get("", "pods", a.namespace(), podName)
                .orElseThrow(() -> ApiException.notFound("pods", "", a.name()));
        return node.equals(Json.text(pod, "spec.nodeName")) ? null
                : "node " + node + " can only evict pods with spec.nodeName set to itself";
    }

    private String claimStatus(String node, AdmissionAttributes a) {
        if (a.operation() != Operation.UPDATE) {
            return "unexpected operation \"" + a.operation() + "\"";
        }
        if (!withoutNodeOwnedFields(a.oldObject()).equals(withoutNodeOwnedFields(a.object()))) {
            return "node \"" + node + "\" is not allowed to update fields other than status.capacity and "
                    + "status.conditions";
        }
        return null;
    }

    private static ObjectNode withoutNodeOwnedFields(ObjectNode claim) {
        ObjectNode c = claim.deepCopy();
        Json.metadata(c).remove(java.util.List.of("resourceVersion", "managedFields"));
        ObjectNode status = Json.objectAt(c, "status");
        status.remove(java.util.List.of("capacity", "conditions", "allocatedResourceStatuses",
                "allocatedResources"));
        return c;
    }

    private String node(String node, AdmissionAttributes a) {
        if (!node.equals(a.name())) {
            return "node \"" + node + "\" is not allowed to modify node \"" + a.name() + "\"";
        }
        if (a.operation() == Operation.CREATE) {
            if (!a.object().path("spec").path("configSource").isMissingNode()
                    && !a.object().path("spec").path("configSource").isNull()) {
                return "node \"" + node + "\" is not allowed to create pods with a non-nil configSource";
            }
            Set<String> forbidden = forbiddenLabels(modifiedLabels(labels(a.object()), Map.of()));
            if (!forbidden.isEmpty()) {
                return "node \"" + node + "\" is not allowed to set the following labels: "
                        + String.join(", ", forbidden);
            }
        }
        if (a.operation() == Operation.UPDATE) {
            JsonNode source = a.object().path("spec").path("configSource");
            if (!source.isMissingNode() && !source.isNull()
                    && !source.equals(a.oldObject().path("spec").path("configSource"))) {
                return "node \"" + node + "\" is not allowed to update configSource to a new non-nil configSource";
            }
            if (!taints(a.object()).equals(taints(a.oldObject()))) {
                return "node \"" + node + "\" is not allowed to modify taints";
            }
            Set<String> forbidden = forbiddenLabels(modifiedLabels(labels(a.object()), labels(a.oldObject())));
            if (!forbidden.isEmpty()) {
                // Kubernetes' message has no subject here.
                return "is not allowed to modify labels: " + String.join(", ", forbidden);
            }
        }
        return null;
    }

    /** Taints, an absent list and an empty one being the same. */
    private static JsonNode taints(ObjectNode node) {
        JsonNode t = node.path("spec").path("taints");
        return t.isArray() && !t.isEmpty() ? t : Json.object().putArray("taints");
    }

    static Map<String, String> labels(ObjectNode o) {
        Map<String, String> out = new java.util.TreeMap<>();
        if (o != null) {
            o.path("metadata").path("labels").properties().forEach(e -> out.put(e.getKey(), e.getValue().asString("")));
        }
        return out;
    }

    /** The keys added, removed or changed between {@code a} and {@code b}. */
    static Set<String> modifiedLabels(Map<String, String> a, Map<String, String> b) {
        Set<String> modified = new TreeSet<>();
        a.forEach((k, v) -> {
            if (!v.equals(b.get(k))) {
                modified.add(k);
            }
        });
        b.forEach((k, v) -> {
            if (!v.equals(a.get(k))) {
                modified.add(k);
            }
        });
        return modified;
    }

    /** Those of {@code modified} a node may not set: node-restriction ones, and non-kubelet Kubernetes ones. */
    static Set<String> forbiddenLabels(Set<String> modified) {
        Set<String> forbidden = new TreeSet<>();
        for (String label : modified) {
            String ns = labelNamespace(label);
            if (ns.equals(RESTRICTED_LABEL_NAMESPACE) || ns.endsWith("." + RESTRICTED_LABEL_NAMESPACE)) {
                forbidden.add(label);
            }
            if (isKubernetesLabel(ns) && !isKubeletLabel(label, ns)) {
                forbidden.add(label);
            }
        }
        return forbidden;
    }

    private static boolean isKubernetesLabel(String ns) {
        return ns.equals("kubernetes.io") || ns.endsWith(".kubernetes.io") || ns.equals("k8s.io")
                || ns.endsWith(".k8s.io");
    }

    private static boolean isKubeletLabel(String label, String ns) {
        if (KUBELET_LABELS.contains(label)) {
            return true;
        }
        for (String allowed : KUBELET_LABEL_NAMESPACES) {
            if (ns.equals(allowed) || ns.endsWith("." + allowed)) {
                return true;
            }
        }
        return false;
    }

    private static String labelNamespace(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? "" : key.substring(0, slash);
    }
}
