package io.kaji.apiserver.openapi;

import java.util.Map;

/**
 * Descriptions for the generated schemas, which {@code kubectl explain} prints. The fabric8 model classes carry no
 * documentation and the project ships no upstream specification, so these texts are the project's own, written for
 * the fields people look up most; every other field has none. Custom resources keep the descriptions of their CRD.
 */
final class Descriptions {

    /** Fields every top-level object has, by property name. */
    private static final Map<String, String> COMMON = Map.of(
            "apiVersion", "The versioned schema of this object, such as apps/v1. The server rejects objects whose "
                    + "apiVersion it does not serve.",
            "kind", "The REST resource type this object represents, in CamelCase, such as Deployment. It is "
                    + "inferred from the endpoint and cannot be changed.",
            "metadata", "Standard object metadata: name, namespace, labels, annotations, owner references and the "
                    + "fields the server maintains (uid, resourceVersion, creationTimestamp).",
            "spec", "The desired state of the object, as written by its user.",
            "status", "The most recently observed state of the object, written by the system. Read-only for users.");

    /** Descriptions by {@code SimpleClassName.property}. */
    private static final Map<String, String> FIELDS = Map.ofEntries(
            Map.entry("ObjectMeta.name", "The object's name, unique within its namespace (or cluster, for "
                    + "cluster-scoped kinds). Required when creating, unless generateName is set. Cannot be updated."),
            Map.entry("ObjectMeta.generateName", "A prefix from which the server generates a unique name when name "
                    + "is empty."),
            Map.entry("ObjectMeta.namespace", "The namespace the object lives in; empty for cluster-scoped kinds. "
                    + "Cannot be updated."),
            Map.entry("ObjectMeta.labels", "Key/value pairs that selectors (of services, replica sets, ...) match. "
                    + "Keys are an optional DNS-subdomain prefix and a name of at most 63 characters."),
            Map.entry("ObjectMeta.annotations", "Arbitrary non-identifying key/value metadata for tools and "
                    + "controllers; not used for selection."),
            Map.entry("ObjectMeta.uid", "The server-assigned unique identifier of this object. Read-only."),
            Map.entry("ObjectMeta.resourceVersion", "An opaque version of this object, changed on every write; "
                    + "used for optimistic concurrency and watches. Read-only."),
            Map.entry("ObjectMeta.generation", "A sequence number of changes to the desired state (spec), set by "
                    + "the server. Read-only."),
            Map.entry("ObjectMeta.creationTimestamp", "When the server created the object (RFC 3339, UTC). "
                    + "Read-only."),
            Map.entry("ObjectMeta.deletionTimestamp", "When the object will be or was deleted; set by the server "
                    + "when deletion is requested and finalizers are still pending. Read-only."),
            Map.entry("ObjectMeta.finalizers", "Names of finalizers that must be removed before the server deletes "
                    + "the object."),
            Map.entry("ObjectMeta.ownerReferences", "Objects this object depends on; when every owner is gone the "
                    + "garbage collector deletes this object."),
            Map.entry("DeploymentSpec.replicas", "The number of pods the deployment keeps running. Defaults to 1; "
                    + "a pointer so that an unset value can be told from an explicit zero."),
            Map.entry("DeploymentSpec.selector", "The label selector of the pods this deployment manages. It must "
                    + "match the labels of the pod template and cannot be changed after creation."),
            Map.entry("DeploymentSpec.template", "The pod template from which the deployment's replica sets "
                    + "create pods."),
            Map.entry("DeploymentSpec.strategy", "How existing pods are replaced by new ones: RollingUpdate "
                    + "(the default) or Recreate."),
            Map.entry("DeploymentSpec.minReadySeconds", "How long a new pod must be ready, without any container "
                    + "crashing, before it counts as available. Defaults to 0."),
            Map.entry("DeploymentSpec.revisionHistoryLimit", "How many old replica sets are kept to allow a "
                    + "rollback. Defaults to 10."),
            Map.entry("DeploymentSpec.paused", "When true, changes to the pod template do not start a rollout."),
            Map.entry("DeploymentSpec.progressDeadlineSeconds", "How long a rollout may make no progress before "
                    + "the deployment reports it as failed. Defaults to 600."),
            Map.entry("ReplicaSetSpec.replicas", "The number of pods this replica set keeps running. Defaults to 1."),
            Map.entry("StatefulSetSpec.replicas", "The number of pods, named <set>-0 to <set>-N-1, this stateful "
                    + "set keeps running. Defaults to 1."),
            Map.entry("PodSpec.containers", "The containers of the pod. At least one is required; containers "
                    + "cannot be added or removed after the pod is created."),
            Map.entry("PodSpec.initContainers", "Containers that run one after another, each to completion, before "
                    + "the pod's containers start."),
            Map.entry("PodSpec.nodeName", "The node the pod is bound to. Set by the scheduler; setting it at "
                    + "creation bypasses scheduling."),
            Map.entry("PodSpec.restartPolicy", "When containers are restarted: Always (the default), OnFailure or "
                    + "Never."),
            Map.entry("PodSpec.volumes", "The volumes the pod's containers can mount."),
            Map.entry("PodSpec.serviceAccountName", "The service account the pod runs as; its token is mounted "
                    + "into the pod."),
            Map.entry("Container.name", "The container's name, a DNS label unique within the pod. Cannot be "
                    + "updated."),
            Map.entry("Container.image", "The container image reference, such as busybox:1.36."),
            Map.entry("Container.command", "The entrypoint, replacing the image's ENTRYPOINT. Not run in a shell."),
            Map.entry("Container.args", "Arguments to the entrypoint, replacing the image's CMD."),
            Map.entry("Container.env", "Environment variables to set in the container."),
            Map.entry("Container.ports", "Ports the container exposes; informational, any port the process "
                    + "listens on is reachable."),
            Map.entry("Container.resources", "Compute resources (cpu, memory) the container requests and is "
                    + "limited to."),
            Map.entry("ServiceSpec.type", "How the service is exposed: ClusterIP (the default), NodePort, "
                    + "LoadBalancer or ExternalName."),
            Map.entry("ServiceSpec.selector", "Pods with these labels receive the service's traffic."),
            Map.entry("ServiceSpec.ports", "The ports the service exposes and the pod ports they lead to."),
            Map.entry("ServiceSpec.clusterIP", "The virtual IP address of the service, allocated by the server "
                    + "unless set at creation; None makes a headless service."));

    /** Descriptions of top-level kinds, by simple class name. */
    private static final Map<String, String> KINDS = Map.ofEntries(
            Map.entry("Pod", "A Pod is a group of containers that share a network namespace and volumes and are "
                    + "scheduled together onto one node."),
            Map.entry("Deployment", "A Deployment keeps a number of identical pods running and rolls out changes "
                    + "to their template through replica sets."),
            Map.entry("ReplicaSet", "A ReplicaSet keeps a number of pods matching its selector running."),
            Map.entry("StatefulSet", "A StatefulSet runs pods with stable names and storage, created and removed "
                    + "in order."),
            Map.entry("DaemonSet", "A DaemonSet runs one pod on every (selected) node."),
            Map.entry("Job", "A Job runs pods until a number of them complete successfully."),
            Map.entry("CronJob", "A CronJob creates Jobs on a schedule."),
            Map.entry("Service", "A Service gives a set of pods one stable virtual address and DNS name."),
            Map.entry("Namespace", "A Namespace is a scope for names; most kinds live in one."),
            Map.entry("Node", "A Node is a machine that runs pods, registered by its agent."),
            Map.entry("ConfigMap", "A ConfigMap holds non-confidential key/value data for pods to consume."),
            Map.entry("Secret", "A Secret holds confidential data (tokens, keys, passwords) for pods to consume."),
            Map.entry("ServiceAccount", "A ServiceAccount is an identity for processes that run in pods."),
            Map.entry("Event", "An Event reports something that happened to an object."));

    private Descriptions() {
    }

    /** The description of property {@code property} of model class {@code owner}, or null. */
    static String of(Class<?> owner, String property) {
        String d = FIELDS.get(owner.getSimpleName() + "." + property);
        if (d == null && io.fabric8.kubernetes.api.model.HasMetadata.class.isAssignableFrom(owner)) {
            d = COMMON.get(property);
        }
        return d;
    }

    /** The description of a model class (for top-level kinds), or null. */
    static String ofKind(Class<?> type) {
        return KINDS.get(type.getSimpleName());
    }
}
