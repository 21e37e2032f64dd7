package io.kaji.support.assess;

import java.util.List;
import java.util.Optional;

/**
 * Kubernetes API versions that are deprecated or removed, from the Kubernetes deprecated API migration guide
 * (kubernetes.io/docs/reference/using-api/deprecation-guide): for each group/version and kind, the release that
 * deprecated it, the release that stopped serving it, and what to use instead.
 */
final class DeprecatedApis {

    /**
     * One deprecated API.
     *
     * @param apiVersion {@code group/version}
     * @param kind the kind, or {@code *} for every kind of that version
     * @param deprecatedIn the release that deprecated it
     * @param removedIn the release that stopped serving it
     * @param replacement the apiVersion to migrate to
     */
    record Api(String apiVersion, String kind, KubeVersion deprecatedIn, KubeVersion removedIn, String replacement) {
    }

    private static Api api(String apiVersion, String kind, String deprecated, String removed, String replacement) {
        return new Api(apiVersion, kind, KubeVersion.parse(deprecated), KubeVersion.parse(removed), replacement);
    }

    static final List<Api> ALL = List.of(
            api("extensions/v1beta1", "Deployment", "1.9", "1.16", "apps/v1"),
            api("extensions/v1beta1", "DaemonSet", "1.9", "1.16", "apps/v1"),
            api("extensions/v1beta1", "ReplicaSet", "1.9", "1.16", "apps/v1"),
            api("extensions/v1beta1", "NetworkPolicy", "1.9", "1.16", "networking.k8s.io/v1"),
            api("extensions/v1beta1", "PodSecurityPolicy", "1.11", "1.16", "none (Pod Security admission)"),
            api("extensions/v1beta1", "Ingress", "1.14", "1.22", "networking.k8s.io/v1"),
            api("apps/v1beta1", "*", "1.9", "1.16", "apps/v1"),
            api("apps/v1beta2", "*", "1.9", "1.16", "apps/v1"),
            api("networking.k8s.io/v1beta1", "Ingress", "1.19", "1.22", "networking.k8s.io/v1"),
            api("networking.k8s.io/v1beta1", "IngressClass", "1.19", "1.22", "networking.k8s.io/v1"),
            api("rbac.authorization.k8s.io/v1beta1", "*", "1.17", "1.22", "rbac.authorization.k8s.io/v1"),
            api("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", "1.16", "1.22",
                    "admissionregistration.k8s.io/v1"),
            api("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", "1.16", "1.22",
                    "admissionregistration.k8s.io/v1"),
            api("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "1.16", "1.22", "apiextensions.k8s.io/v1"),
            api("apiregistration.k8s.io/v1beta1", "APIService", "1.19", "1.22", "apiregistration.k8s.io/v1"),
            api("certificates.k8s.io/v1beta1", "CertificateSigningRequest", "1.19", "1.22", "certificates.k8s.io/v1"),
            api("coordination.k8s.io/v1beta1", "Lease", "1.19", "1.22", "coordination.k8s.io/v1"),
            api("scheduling.k8s.io/v1beta1", "PriorityClass", "1.14", "1.22", "scheduling.k8s.io/v1"),
            api("storage.k8s.io/v1beta1", "CSIDriver", "1.19", "1.22", "storage.k8s.io/v1"),
            api("storage.k8s.io/v1beta1", "CSINode", "1.17", "1.22", "storage.k8s.io/v1"),
            api("storage.k8s.io/v1beta1", "StorageClass", "1.19", "1.22", "storage.k8s.io/v1"),
            api("storage.k8s.io/v1beta1", "VolumeAttachment", "1.19", "1.22", "storage.k8s.io/v1"),
            api("batch/v1beta1", "CronJob", "1.21", "1.25", "batch/v1"),
            api("discovery.k8s.io/v1beta1", "EndpointSlice", "1.21", "1.25", "discovery.k8s.io/v1"),
            api("events.k8s.io/v1beta1", "Event", "1.19", "1.25", "events.k8s.io/v1"),
            api("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.22", "1.25", "autoscaling/v2"),
            api("policy/v1beta1", "PodDisruptionBudget", "1.21", "1.25", "policy/v1"),
            api("policy/v1beta1", "PodSecurityPolicy", "1.21", "1.25", "none (Pod Security admission)"),
            api("node.k8s.io/v1beta1", "RuntimeClass", "1.20", "1.25", "node.k8s.io/v1"),
            api("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.23", "1.26", "autoscaling/v2"),
            api("flowcontrol.apiserver.k8s.io/v1beta1", "*", "1.23", "1.26", "flowcontrol.apiserver.k8s.io/v1"),
            api("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.24", "1.27", "storage.k8s.io/v1"),
            api("flowcontrol.apiserver.k8s.io/v1beta2", "*", "1.26", "1.29", "flowcontrol.apiserver.k8s.io/v1"),
            api("flowcontrol.apiserver.k8s.io/v1beta3", "*", "1.29", "1.32", "flowcontrol.apiserver.k8s.io/v1"));

    private DeprecatedApis() {
    }

    /** The deprecation entry for {@code apiVersion}/{@code kind}, if it is deprecated at all. */
    static Optional<Api> find(String apiVersion, String kind) {
        return ALL.stream().filter(a -> a.apiVersion().equals(apiVersion)
                && (a.kind().equals("*") || a.kind().equals(kind))).findFirst();
    }
}
