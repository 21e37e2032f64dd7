package io.kaji.apiserver.apply;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The merge semantics of the built-in types' lists, maps and structs as server-side apply sees them: their
 * {@code +listType}/{@code +listMapKey}, {@code +mapType=atomic} and {@code +structType=atomic} markers (published
 * in OpenAPI as {@code x-kubernetes-list-type}, {@code x-kubernetes-list-map-keys}, {@code x-kubernetes-map-type}).
 * These differ from strategic merge patch's {@code patchMergeKey} in places: container ports are keyed by
 * {@code containerPort} and {@code protocol}, service ports by {@code port} and {@code protocol}, topology spread
 * constraints by {@code topologyKey} and {@code whenUnsatisfiable}; tolerations, args and env sources are atomic.
 *
 * <p>Keyed by the fabric8 model class's simple name (which is the Go type's name) and the JSON field name. A list
 * not named here is atomic; a map or struct not named here is granular. Covers the v1 types Kaji serves.
 */
final class ListTypes {

    /** How a list merges. {@code keys} are the map keys (empty for sets), {@code defaults} fill missing keys. */
    record ListType(boolean set, List<String> keys, Map<String, Object> defaults) {
    }

    private static final ListType SET = new ListType(true, List.of(), Map.of());
    private static final Map<String, Object> PROTOCOL_TCP = Map.of("protocol", "TCP");

    private static final Map<String, ListType> LISTS = Map.ofEntries(
            // meta/v1
            list("ObjectMeta.ownerReferences", "uid"),
            Map.entry("ObjectMeta.finalizers", SET),
            // core/v1 pods and containers
            list("PodSpec.containers", "name"),
            list("PodSpec.initContainers", "name"),
            list("PodSpec.ephemeralContainers", "name"),
            list("PodSpec.volumes", "name"),
            list("PodSpec.imagePullSecrets", "name"),
            list("PodSpec.hostAliases", "ip"),
            list("PodSpec.resourceClaims", "name"),
            list("PodSpec.schedulingGates", "name"),
            list("PodSpec.topologySpreadConstraints", "topologyKey", "whenUnsatisfiable"),
            list("Container.env", "name"),
            list("Container.volumeMounts", "mountPath"),
            list("Container.volumeDevices", "devicePath"),
            Map.entry("Container.ports", new ListType(false, List.of("containerPort", "protocol"), PROTOCOL_TCP)),
            list("EphemeralContainer.env", "name"),
            list("EphemeralContainer.volumeMounts", "mountPath"),
            list("EphemeralContainer.volumeDevices", "devicePath"),
            Map.entry("EphemeralContainer.ports",
                    new ListType(false, List.of("containerPort", "protocol"), PROTOCOL_TCP)),
            list("ResourceRequirements.claims", "name"),
            list("PodStatus.conditions", "type"),
            list("PodStatus.podIPs", "ip"),
            list("PodStatus.resourceClaimStatuses", "name"),
            list("ContainerStatus.volumeMounts", "mountPath"),
            list("ContainerStatus.allocatedResourcesStatus", "name"),
            // core/v1 others
            Map.entry("ServiceSpec.ports", new ListType(false, List.of("port", "protocol"), PROTOCOL_TCP)),
            list("ServiceStatus.conditions", "type"),
            list("ServiceAccount.secrets", "name"),
            list("NodeStatus.addresses", "type"),
            list("NodeStatus.conditions", "type"),
            Map.entry("NodeSpec.podCIDRs", SET),
            list("NamespaceStatus.conditions", "type"),
            list("PersistentVolumeClaimStatus.conditions", "type"),
            list("ReplicationControllerStatus.conditions", "type"),
            list("ComponentStatus.conditions", "type"),
            // apps/v1
            list("DeploymentStatus.conditions", "type"),
            list("ReplicaSetStatus.conditions", "type"),
            list("StatefulSetStatus.conditions", "type"),
            list("DaemonSetStatus.conditions", "type"),
            // batch/v1
            Map.entry("UncountedTerminatedPods.failed", SET),
            Map.entry("UncountedTerminatedPods.succeeded", SET),
            Map.entry("PodFailurePolicyOnExitCodesRequirement.values", SET),
            // others
            list("HorizontalPodAutoscalerStatus.conditions", "type"),
            list("PodDisruptionBudgetStatus.conditions", "type"),
            list("CertificateSigningRequestStatus.conditions", "type"),
            list("ServiceCIDRStatus.conditions", "type"),
            Map.entry("Endpoint.addresses", SET),
            list("MutatingWebhookConfiguration.webhooks", "name"),
            list("ValidatingWebhookConfiguration.webhooks", "name"),
            list("MutatingWebhook.matchConditions", "name"),
            list("ValidatingWebhook.matchConditions", "name"),
            list("CSINodeSpec.drivers", "name"));

    /** Structs replaced as a whole ({@code +structType=atomic}). */
    private static final Set<String> ATOMIC_STRUCTS = Set.of(
            "LabelSelector", "OwnerReference", "ObjectReference", "LocalObjectReference", "TypedLocalObjectReference",
            "SecretReference", "ConfigMapKeySelector", "SecretKeySelector", "FileKeySelector", "ObjectFieldSelector",
            "ResourceFieldSelector", "NodeSelector", "NodeSelectorTerm", "TopologySelectorTerm", "ScopeSelector",
            "EndpointAddress", "EndpointPort", "CrossVersionObjectReference", "ServiceBackendPort", "RoleRef",
            "Subject", "MatchResources", "NamedRuleWithOperations", "ParamKind", "ParamRef", "Variable");

    /** Maps replaced as a whole ({@code +mapType=atomic}). */
    private static final Set<String> ATOMIC_MAPS = Set.of(
            "PodSpec.nodeSelector", "ServiceSpec.selector", "ReplicationControllerSpec.selector");

    /**
     * Fields a Go object always holds, because they are structs held by value (or, for containers, a list without
     * {@code omitempty}): Kubernetes compares a created object with a zero object in which they exist already, so
     * they are never "added" and an Update entry does not own them as such ({@code .}). Top-level metadata, spec
     * and status are handled generally.
     */
    private static final Set<String> ALWAYS_PRESENT = Set.of(
            "DeploymentSpec.template", "DeploymentSpec.strategy", "ReplicaSetSpec.template",
            "StatefulSetSpec.template", "StatefulSetSpec.updateStrategy", "DaemonSetSpec.template",
            "DaemonSetSpec.updateStrategy", "JobSpec.template", "CronJobSpec.jobTemplate", "JobTemplateSpec.metadata",
            "JobTemplateSpec.spec", "PodTemplate.template", "PodTemplateSpec.metadata", "PodTemplateSpec.spec",
            "PodSpec.containers", "Container.resources", "EphemeralContainer.resources", "ContainerStatus.state",
            "ContainerStatus.lastState", "PersistentVolumeClaimSpec.resources", "PersistentVolumeClaimTemplate.metadata",
            "PersistentVolumeClaimTemplate.spec", "NodeStatus.daemonEndpoints", "NodeStatus.nodeInfo",
            "NodeDaemonEndpoints.kubeletEndpoint", "ServiceStatus.loadBalancer", "IngressStatus.loadBalancer",
            "HTTPIngressPath.backend", "IngressServiceBackend.port", "NetworkPolicySpec.podSelector",
            "HorizontalPodAutoscalerSpec.scaleTargetRef", "PreferredSchedulingTerm.preference",
            "WeightedPodAffinityTerm.podAffinityTerm", "Event.involvedObject", "Event.source", "Endpoint.conditions",
            "RoleBinding.roleRef", "ClusterRoleBinding.roleRef");

    private ListTypes() {
    }

    static boolean alwaysPresent(String owner, String field) {
        return ALWAYS_PRESENT.contains(owner + "." + field);
    }

    private static Map.Entry<String, ListType> list(String field, String... keys) {
        return Map.entry(field, new ListType(false, List.of(keys), Map.of()));
    }

    /** The list type of {@code owner.field}, or null for an atomic list. */
    static ListType listType(String owner, String field) {
        return LISTS.get(owner + "." + field);
    }

    static boolean atomicStruct(String owner) {
        return ATOMIC_STRUCTS.contains(owner);
    }

    static boolean atomicMap(String owner, String field) {
        return ATOMIC_MAPS.contains(owner + "." + field);
    }
}
