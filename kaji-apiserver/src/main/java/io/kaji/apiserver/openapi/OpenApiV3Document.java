package io.kaji.apiserver.openapi;

import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.serialization.Json;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One group-version's OpenAPI v3 document.
 *
 * <p>PATCH operations deliberately do not list {@code application/strategic-merge-patch+json} as a request content
 * type: kubectl then computes strategic merge patches from its compiled-in Kubernetes types, which carry the exact
 * merge keys, instead of from these generated schemas (which have no patch-merge-key extensions yet). The server
 * still accepts strategic merge patches.
 */
final class OpenApiV3Document {

    private final List<ResourceDefinition> defs;
    private final SchemaGenerator schemas = new SchemaGenerator();

    OpenApiV3Document(List<ResourceDefinition> defs) {
        this.defs = defs;
    }

    ObjectNode build() {
        ResourceDefinition first = defs.get(0);
        ObjectNode doc = Json.object();
        doc.put("openapi", "3.0.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Kaji");
        info.put("version", first.apiVersion());
        ObjectNode paths = doc.putObject("paths");
        for (ResourceDefinition d : defs) {
            addPaths(paths, d);
        }
        ObjectNode components = doc.putObject("components").putObject("schemas");
        Map<String, ObjectNode> custom = customSchemas();
        Map<String, ObjectNode> generated = schemas.drain();
        for (ResourceDefinition d : defs) {
            if (d.strategy().openApiSchema() != null) {
                continue;
            }
            ObjectNode s = schemas.generated(d.modelClass());
            if (s != null && !s.has("x-kubernetes-group-version-kind")) {
                s.putArray("x-kubernetes-group-version-kind").add(gvk(d.group(), d.version(), d.kind()));
            }
        }
        ObjectNode scale = schemas.generated(Scale.class);
        if (scale != null && !scale.has("x-kubernetes-group-version-kind")) {
            scale.putArray("x-kubernetes-group-version-kind").add(gvk("autoscaling", "v1", "Scale"));
        }
        generated.forEach(components::set);
        custom.forEach(components::set);
        return doc;
    }

    /**
     * The schemas of custom resources (from their CRD), named as Kubernetes names them ({@code com.example.v1.Widget}),
     * with {@code metadata} pointing at ObjectMeta.
     */
    private Map<String, ObjectNode> customSchemas() {
        Map<String, ObjectNode> out = new java.util.LinkedHashMap<>();
        for (ResourceDefinition d : defs) {
            ObjectNode schema = d.strategy().openApiSchema();
            if (schema == null) {
                continue;
            }
            ObjectNode s = schema.deepCopy();
            ObjectNode props = s.has("properties") && s.get("properties").isObject()
                    ? (ObjectNode) s.get("properties") : s.putObject("properties");
            props.putObject("metadata").putArray("allOf").add(schemas.ref(io.fabric8.kubernetes.api.model.ObjectMeta.class));
            props.putObject("apiVersion").put("type", "string");
            props.putObject("kind").put("type", "string");
            s.putArray("x-kubernetes-group-version-kind").add(gvk(d.group(), d.version(), d.kind()));
            out.put(customName(d), s);
        }
        return out;
    }

    /** {@code example.com}, v1, Widget: {@code com.example.v1.Widget}. */
    static String customName(ResourceDefinition d) {
        List<String> parts = new java.util.ArrayList<>(List.of(d.group().split("\\.")));
        java.util.Collections.reverse(parts);
        return String.join(".", parts) + "." + d.version() + "." + d.kind();
    }

    /** The reference to a resource's schema: its CRD's, or its model class's. */
    private ObjectNode schemaRef(ResourceDefinition d) {
        if (d.strategy().openApiSchema() == null) {
            return schemas.ref(d.modelClass());
        }
        ObjectNode ref = Json.object();
        ref.put("$ref", SchemaGenerator.REF_PREFIX + customName(d));
        return ref;
    }

    private void addPaths(ObjectNode paths, ResourceDefinition d) {
        String base = d.urlPrefix() + (d.namespaced() ? "/namespaces/{namespace}/" : "/") + d.plural();
        ObjectNode kind = gvk(d.group(), d.version(), d.kind());
        ObjectNode collection = paths.putObject(base);
        collection.set("get", operation("list" + d.kind(), "list", kind, schemaRef(d), false,
                d.namespaced()));
        collection.set("post", operation("create" + d.kind(), "post", kind, schemaRef(d), true,
                d.namespaced()));
        ObjectNode item = paths.putObject(base + "/{name}");
        item.set("get", operation("read" + d.kind(), "get", kind, schemaRef(d), false, d.namespaced()));
        item.set("put", operation("replace" + d.kind(), "put", kind, schemaRef(d), true,
                d.namespaced()));
        item.set("patch", operation("patch" + d.kind(), "patch", kind, schemaRef(d), true,
                d.namespaced()));
        item.set("delete", operation("delete" + d.kind(), "delete", kind, schemaRef(d), false,
                d.namespaced()));
        for (String sub : d.subresources()) {
            ObjectNode subKind = sub.equals("scale") ? gvk("autoscaling", "v1", "Scale") : kind;
            ObjectNode subSchema = sub.equals("scale") ? schemas.ref(Scale.class) : schemaRef(d);
            // Not read-modify-write views of the object: binding is create-only, log is a text stream, exec,
            // attach and portforward are connections, proxy passes the agent's answer through.
            if (sub.equals("binding") || sub.equals("finalize") || sub.equals("log") || sub.equals("exec")
                    || sub.equals("attach") || sub.equals("portforward") || sub.equals("proxy")) {
                continue;
            }
            String suffix = Character.toUpperCase(sub.charAt(0)) + sub.substring(1);
            ObjectNode p = paths.putObject(base + "/{name}/" + sub);
            p.set("get", operation("read" + d.kind() + suffix, "get", subKind, subSchema, false, d.namespaced()));
            p.set("put", operation("replace" + d.kind() + suffix, "put", subKind, subSchema, true, d.namespaced()));
            p.set("patch", operation("patch" + d.kind() + suffix, "patch", subKind, subSchema, true,
                    d.namespaced()));
        }
    }

    private static ObjectNode operation(String id, String action, ObjectNode gvk, ObjectNode schema, boolean write,
            boolean namespaced) {
        ObjectNode op = Json.object();
        op.put("operationId", id);
        op.put("x-kubernetes-action", action);
        op.set("x-kubernetes-group-version-kind", gvk);
        ArrayNode params = op.putArray("parameters");
        if (namespaced) {
            params.add(param("namespace", "path", true));
        }
        if (!action.equals("list") && !action.equals("post")) {
            params.add(param("name", "path", true));
        }
        if (write) {
            params.add(param("dryRun", "query", false));
            params.add(param("fieldManager", "query", false));
            params.add(param("fieldValidation", "query", false));
            ObjectNode content = op.putObject("requestBody").putObject("content");
            if (action.equals("patch")) {
                for (String type : List.of("application/json-patch+json", "application/merge-patch+json")) {
                    content.putObject(type).putObject("schema").put("type", "object");
                }
            } else {
                content.putObject("application/json").set("schema", schema.deepCopy());
            }
        }
        ObjectNode ok = op.putObject("responses").putObject("200");
        ok.put("description", "OK");
        ok.putObject("content").putObject("application/json").set("schema", schema.deepCopy());
        return op;
    }

    private static ObjectNode param(String name, String in, boolean required) {
        ObjectNode p = Json.object();
        p.put("name", name);
        p.put("in", in);
        if (required) {
            p.put("required", true);
        }
        p.putObject("schema").put("type", "string");
        p.put("uniqueItems", true);
        return p;
    }

    private static ObjectNode gvk(String group, String version, String kind) {
        ObjectNode o = Json.object();
        o.put("group", group);
        o.put("version", version);
        o.put("kind", kind);
        return o;
    }
}
