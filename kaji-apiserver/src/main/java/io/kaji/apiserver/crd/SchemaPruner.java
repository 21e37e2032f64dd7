package io.kaji.apiserver.crd;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.kaji.apiserver.schema.FieldValidation;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Kubernetes' structural pruning: fields a CRD's schema does not specify are dropped, except below
 * {@code x-kubernetes-preserve-unknown-fields: true}; {@code apiVersion}, {@code kind} and {@code metadata} are
 * kept at the root and in embedded resources, metadata trimmed to ObjectMeta's fields. Stateless.
 */
final class SchemaPruner {

    private static final Set<String> TYPE_META = Set.of("apiVersion", "kind");

    private SchemaPruner() {
    }

    /**
     * Prunes a custom resource in place.
     *
     * @return the paths of the dropped fields in document order ({@code spec.foo}, {@code spec.items[0].bar})
     */
    static List<String> prune(ObjectNode object, StructuralSchema schema) {
        List<String> dropped = new ArrayList<>();
        pruneObject(object, schema, "", dropped, true);
        return dropped;
    }

    private static void prune(JsonNode node, StructuralSchema schema, String path, List<String> dropped) {
        if (node instanceof ObjectNode obj) {
            pruneObject(obj, schema, path, dropped, schema.embeddedResource);
        } else if (node != null && node.isArray() && schema.items != null) {
            for (int i = 0; i < node.size(); i++) {
                prune(node.get(i), schema.items, path + "[" + i + "]", dropped);
            }
        }
    }

    private static void pruneObject(ObjectNode obj, StructuralSchema schema, String path, List<String> dropped,
            boolean resource) {
        Iterator<Map.Entry<String, JsonNode>> it = obj.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String child = path.isEmpty() ? key : path + "." + key;
            if (resource && TYPE_META.contains(key)) {
                continue;
            }
            if (resource && key.equals("metadata")) {
                if (e.getValue() instanceof ObjectNode meta) {
                    FieldValidation.dropUnknown(meta, ObjectMeta.class).forEach(p -> dropped.add(child + "." + p));
                }
                continue;
            }
            StructuralSchema s = schema.property(key);
            if (s == null) {
                if (!schema.keepsUnknownFields()) {
                    dropped.add(child);
                    it.remove();
                }
                continue;
            }
            prune(e.getValue(), s, child, dropped);
        }
    }
}
