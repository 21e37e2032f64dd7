package io.kaji.apiserver.openapi;

import java.util.Set;

/**
 * Kubernetes' OpenAPI definition names for fabric8 model classes: {@code io.fabric8.kubernetes.api.model.apps.Deployment}
 * is {@code io.k8s.api.apps.v1.Deployment}, {@code io.fabric8.kubernetes.api.model.ObjectMeta} is
 * {@code io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta}. Names outside the fabric8 model (custom resources, already
 * named {@code com.example.v1.Widget}) are returned unchanged.
 */
final class KubeNames {

    private static final String FABRIC8 = "io.fabric8.kubernetes.api.model.";

    /** fabric8 keeps these meta/v1 types in its core package, beside the core/v1 ones. */
    private static final Set<String> META_V1 = Set.of("APIGroup", "APIGroupList", "APIResource", "APIResourceList",
            "APIVersions", "Condition", "CreateOptions", "DeleteOptions", "Duration", "FieldsV1", "GetOptions",
            "GroupKind", "GroupVersionForDiscovery", "GroupVersionKind", "GroupVersionResource", "LabelSelector",
            "LabelSelectorRequirement", "ListMeta", "ListOptions", "ManagedFieldsEntry", "MicroTime", "ObjectMeta",
            "OwnerReference", "PartialObjectMetadata", "PartialObjectMetadataList", "Patch", "PatchOptions",
            "Preconditions", "RootPaths", "ServerAddressByClientCIDR", "Status", "StatusCause", "StatusDetails",
            "Time", "TypeMeta", "UpdateOptions", "WatchEvent");

    private KubeNames() {
    }

    /** The Kubernetes definition name of the schema that OpenAPI v3 names {@code v3Name} (a Java class name). */
    static String of(String v3Name) {
        if (!v3Name.startsWith(FABRIC8)) {
            return v3Name;
        }
        String rest = v3Name.substring(FABRIC8.length());
        int dot = rest.lastIndexOf('.');
        String simple = rest.substring(dot + 1);
        if (dot < 0) {
            return switch (simple) {
                case "IntOrString" -> "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
                case "Quantity" -> "io.k8s.apimachinery.pkg.api.resource.Quantity";
                default -> (META_V1.contains(simple) ? "io.k8s.apimachinery.pkg.apis.meta.v1." : "io.k8s.api.core.v1.")
                        + simple;
            };
        }
        String pkg = rest.substring(0, dot);
        String group = pkg;
        String version = "v1";
        int last = pkg.lastIndexOf('.');
        if (last >= 0 && pkg.substring(last + 1).matches("v[0-9]+((alpha|beta)[0-9]+)?")) {
            group = pkg.substring(0, last);
            version = pkg.substring(last + 1);
        }
        return switch (group) {
            case "apiextensions" -> "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + version + "." + simple;
            case "metrics" -> "io.k8s.metrics.pkg.apis.metrics." + version + "." + simple;
            case "version" -> "io.k8s.apimachinery.pkg.version." + simple;
            default -> "io.k8s.api." + group.replace('.', '_') + "." + version + "." + simple;
        };
    }
}
