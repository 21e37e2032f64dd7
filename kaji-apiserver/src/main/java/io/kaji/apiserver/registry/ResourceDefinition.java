package io.kaji.apiserver.registry;

import io.kaji.apiserver.table.Column;
import java.util.List;
import java.util.Set;

/**
 * Everything the generic handler, discovery, the table printer and the watch cache need to know about one
 * resource type. One definition per served group/version/resource.
 *
 * @param group          API group, {@code ""} for core
 * @param version        e.g. {@code v1}
 * @param kind           e.g. {@code Deployment}
 * @param plural         the resource name in URLs, e.g. {@code deployments}
 * @param singular       e.g. {@code deployment}
 * @param shortNames     e.g. {@code deploy}
 * @param categories     e.g. {@code all}
 * @param namespaced     true for namespaced resources
 * @param verbs          the verbs discovery advertises
 * @param subresources   served subresources: {@code status}, {@code scale}, {@code binding}
 * @param modelClass     the fabric8 model class used to validate and normalize objects
 * @param storagePrefix  the store key segment after {@code /registry/}, e.g. {@code deployments}
 * @param columns        table columns ({@code kubectl get})
 * @param fieldSelectors field labels accepted in field selectors besides metadata.name and metadata.namespace
 * @param strategy       defaulting and validation
 * @param conversion     between this version and the stored form ({@link StorageConversion#IDENTITY} mostly)
 */
public record ResourceDefinition(
        String group,
        String version,
        String kind,
        String plural,
        String singular,
        List<String> shortNames,
        List<String> categories,
        boolean namespaced,
        List<String> verbs,
        Set<String> subresources,
        Class<?> modelClass,
        String storagePrefix,
        List<Column> columns,
        Set<String> fieldSelectors,
        ResourceStrategy strategy,
        StorageConversion conversion) {

    /** Every verb of a stored resource, in the order Kubernetes lists them. */
    public static final List<String> ALL_VERBS =
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    public ResourceDefinition {
        shortNames = List.copyOf(shortNames);
        categories = List.copyOf(categories);
        verbs = List.copyOf(verbs);
        subresources = Set.copyOf(subresources);
        columns = List.copyOf(columns);
        fieldSelectors = Set.copyOf(fieldSelectors);
    }

    /** {@code apps/v1}, or {@code v1} for core. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    public String listKind() {
        return kind + "List";
    }

    /** The URL prefix of this group-version: {@code /api/v1} or {@code /apis/apps/v1}. */
    public String urlPrefix() {
        return group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    }

    /** The store prefix of every object of this resource, ending in '/'. */
    public String keyPrefix() {
        return "/registry/" + storagePrefix + "/";
    }

    /** The store prefix of one namespace (or of everything for cluster-scoped or a null namespace). */
    public String keyPrefix(String namespace) {
        return namespaced && namespace != null && !namespace.isEmpty() ? keyPrefix() + namespace + "/" : keyPrefix();
    }

    /** The store key of one object. */
    public String key(String namespace, String name) {
        return namespaced ? keyPrefix() + namespace + "/" + name : keyPrefix() + name;
    }

    public boolean hasSubresource(String name) {
        return subresources.contains(name);
    }

    /** How Kubernetes names the resource in messages: {@code deployments.apps}. */
    public String qualifiedName() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    @Override
    public String toString() {
        return qualifiedName() + "/" + version;
    }
}
