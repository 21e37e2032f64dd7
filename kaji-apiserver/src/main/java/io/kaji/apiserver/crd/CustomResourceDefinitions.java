package io.kaji.apiserver.crd;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ScaleMapping;
import io.kaji.apiserver.registry.StorageConversion;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.table.Cells;
import io.kaji.apiserver.table.Column;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code apiextensions.k8s.io/v1} {@code customresourcedefinitions} resource, and the resource definitions a
 * CRD asks to serve: one per served version, all stored under {@code /registry/<group>/<plural>/} in the storage
 * version (versions differ only in {@code apiVersion}: conversion strategy None).
 */
public final class CustomResourceDefinitions {

    /** The API group of CustomResourceDefinitions. */
    public static final String GROUP = "apiextensions.k8s.io";
    /** The resource name of CustomResourceDefinitions. */
    public static final String PLURAL = "customresourcedefinitions";

    private CustomResourceDefinitions() {
    }

    /** The definition of the CRD resource itself (cluster-scoped, with a status subresource). */
    public static ResourceDefinition definition(Clock clock) {
        List<Column> columns = List.of(Column.nameColumn(), new Column("Created At", "date", "",
                "Standard object's metadata.", 0, (o, now) -> Cells.text(o, "metadata.creationTimestamp", "")));
        return new ResourceDefinition(GROUP, "v1", "CustomResourceDefinition", PLURAL, "customresourcedefinition",
                List.of("crd", "crds"), List.of("api-extensions"), false, ResourceDefinition.ALL_VERBS,
                Set.of("status"), CustomResourceDefinition.class, GROUP + "/" + PLURAL, columns, Set.of(),
                new CrdStrategy(clock), StorageConversion.IDENTITY);
    }

    /** The resources {@code crd} serves, one per served version, named as its spec says. */
    static List<ResourceDefinition> served(JsonNode crd) {
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asString("");
        JsonNode names = spec.path("names");
        String plural = names.path("plural").asString("");
        boolean namespaced = "Namespaced".equals(spec.path("scope").asString(""));
        String storage = CrdStrategy.storageVersion(crd);
        List<ResourceDefinition> out = new ArrayList<>();
        for (JsonNode v : spec.path("versions")) {
            if (!v.path("served").asBoolean(false)) {
                continue;
            }
            String version = v.path("name").asString("");
            JsonNode subs = v.path("subresources");
            Set<String> subresources = new HashSet<>();
            if (subs.has("status")) {
                subresources.add("status");
            }
            ScaleMapping scale = null;
            if (subs.get("scale") instanceof ObjectNode s) {
                subresources.add("scale");
                String selector = s.path("labelSelectorPath").asString("");
                scale = new ScaleMapping(s.path("specReplicasPath").asString(""),
                        s.path("statusReplicasPath").asString(""), selector.isEmpty() ? null : selector);
            }
            ObjectNode schema = v.path("schema").get("openAPIV3Schema") instanceof ObjectNode o ? o : Json.object();
            out.add(new ResourceDefinition(group, version, names.path("kind").asString(""), plural,
                    names.path("singular").asString(""), strings(names.path("shortNames")),
                    strings(names.path("categories")), namespaced, ResourceDefinition.ALL_VERBS, subresources,
                    GenericKubernetesResource.class, group + "/" + plural, PrinterColumns.of(v), Set.of(),
                    new CustomResourceStrategy(group, plural, schema, subresources.contains("status"), scale),
                    new VersionConversion(group + "/" + version, group + "/" + storage)));
        }
        return out;
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asString("")));
        return out;
    }

    /** Conversion strategy None: only {@code apiVersion} changes between a served and the storage version. */
    private record VersionConversion(String served, String stored) implements StorageConversion {
        @Override
        public ObjectNode toStorage(ObjectNode object) {
            if (served.equals(stored)) {
                return object;
            }
            ObjectNode copy = object.deepCopy();
            copy.put("apiVersion", stored);
            return copy;
        }

        @Override
        public ObjectNode fromStorage(ObjectNode object) {
            if (served.equals(Json.text(object, "apiVersion"))) {
                return object;
            }
            ObjectNode copy = object.deepCopy();
            copy.put("apiVersion", served);
            return copy;
        }
    }
}
