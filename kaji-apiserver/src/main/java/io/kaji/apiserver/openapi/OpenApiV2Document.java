package io.kaji.apiserver.openapi;

import io.kaji.apiserver.patch.MergeKeys;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The whole API as one Swagger 2.0 document ({@code /openapi/v2}), made by transforming every group-version's OpenAPI
 * v3 document ({@link OpenApiV3Document}), so both describe the same model:
 * <ul>
 *   <li>{@code #/components/schemas/X} becomes {@code #/definitions/Y}, with Y the name Kubernetes uses
 *       ({@link KubeNames});</li>
 *   <li>a property's {@code allOf: [{$ref}]} wrapper becomes the {@code $ref} itself, with the description beside it
 *       as Kubernetes' v2 documents have it; {@code nullable}, {@code anyOf}, {@code oneOf} and {@code not}, which
 *       v2 lacks, are dropped; {@code x-kubernetes-int-or-string} gets {@code type: string, format: int-or-string};</li>
 *   <li>request bodies become {@code in: body} parameters, parameter schemas become {@code type};</li>
 *   <li>lists that strategic merge patch merges by key get {@code x-kubernetes-patch-merge-key} and
 *       {@code x-kubernetes-patch-strategy} from {@link MergeKeys} (the table the server merges by).</li>
 * </ul>
 * A custom resource whose schema cannot be transformed is described as free-form instead of failing the document.
 * Not thread-safe: one instance per build.
 */
final class OpenApiV2Document {

    static final String REF_PREFIX = "#/definitions/";
    private static final Logger LOG = LoggerFactory.getLogger(OpenApiV2Document.class);

    /** The keywords a Swagger 2.0 schema object has (besides {@code x-} extensions). */
    private static final Set<String> SCHEMA_KEYWORDS = Set.of("format", "title", "description", "default",
            "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength",
            "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required", "enum",
            "type", "readOnly", "example");

    private final ResourceRegistry registry;

    OpenApiV2Document(ResourceRegistry registry) {
        this.registry = registry;
    }

    ObjectNode build() {
        ObjectNode doc = Json.object();
        doc.put("swagger", "2.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Kaji");
        info.put("version", "v1");
        ObjectNode paths = doc.putObject("paths");
        ObjectNode definitions = doc.putObject("definitions");
        registry.groupVersions().forEach((group, versions) -> {
            for (String version : versions) {
                List<ResourceDefinition> defs = registry.resources(group, version);
                if (defs.isEmpty()) {
                    continue;
                }
                ObjectNode v3 = new OpenApiV3Document(defs).build();
                Map<String, JsonNode> byKubeName = new java.util.HashMap<>();
                for (Map.Entry<String, JsonNode> e : v3.path("components").path("schemas").properties()) {
                    byKubeName.put(KubeNames.of(e.getKey()), e.getValue());
                }
                for (Map.Entry<String, JsonNode> e : v3.path("components").path("schemas").properties()) {
                    String name = KubeNames.of(e.getKey());
                    if (!definitions.has(name)) {
                        definitions.set(name, definition(e.getKey(), e.getValue(), byKubeName));
                    } else {
                        // A schema met before in another group-version, where it was not that group's kind.
                        mergeKinds((ObjectNode) definitions.get(name), e.getValue());
                    }
                }
                for (Map.Entry<String, JsonNode> p : v3.path("paths").properties()) {
                    paths.set(p.getKey(), pathItem(p.getValue()));
                }
            }
        });
        return doc;
    }

    /** Adds the {@code x-kubernetes-group-version-kind} entries of {@code v3} that {@code def} lacks. */
    private static void mergeKinds(ObjectNode def, JsonNode v3) {
        JsonNode kinds = v3.path("x-kubernetes-group-version-kind");
        if (!kinds.isArray() || kinds.isEmpty()) {
            return;
        }
        ArrayNode have = def.get("x-kubernetes-group-version-kind") instanceof ArrayNode a ? a
                : def.putArray("x-kubernetes-group-version-kind");
        for (JsonNode k : kinds) {
            boolean present = false;
            for (JsonNode h : have) {
                present |= h.equals(k);
            }
            if (!present) {
                have.add(k.deepCopy());
            }
        }
    }

    private static ObjectNode definition(String v3Name, JsonNode schema, Map<String, JsonNode> byKubeName) {
        try {
            ObjectNode out = schema(schema);
            if (v3Name.startsWith("io.fabric8.")) {
                addPatchExtensions(v3Name, out, byKubeName);
            }
            return out;
        } catch (RuntimeException e) {
            // One custom resource's odd schema must not take the whole document (and kubectl apply) down.
            LOG.warn("OpenAPI v2: cannot transform the schema of {}, describing it as free-form: {}", v3Name,
                    e.toString());
            ObjectNode free = Json.object();
            free.put("type", "object");
            free.put("x-kubernetes-preserve-unknown-fields", true);
            if (schema.has("x-kubernetes-group-version-kind")) {
                free.set("x-kubernetes-group-version-kind", schema.get("x-kubernetes-group-version-kind").deepCopy());
            }
            return free;
        }
    }

    /** A v3 schema as a v2 schema. */
    static ObjectNode schema(JsonNode v3) {
        ObjectNode out = Json.object();
        if (v3 == null || !v3.isObject()) {
            return out;
        }
        for (Map.Entry<String, JsonNode> e : v3.properties()) {
            String k = e.getKey();
            JsonNode v = e.getValue();
            switch (k) {
                case "$ref" -> out.put("$ref", ref(v.asString()));
                case "allOf" -> {
                    if (v.isArray() && v.size() == 1 && v.get(0).has("$ref")) {
                        out.put("$ref", ref(v.get(0).get("$ref").asString()));
                    } else if (v.isArray()) {
                        ArrayNode all = out.putArray("allOf");
                        v.forEach(s -> all.add(schema(s)));
                    }
                }
                case "properties" -> {
                    ObjectNode props = out.putObject("properties");
                    for (Map.Entry<String, JsonNode> p : v.properties()) {
                        props.set(p.getKey(), schema(p.getValue()));
                    }
                }
                case "items" -> out.set("items", schema(v.isArray() && !v.isEmpty() ? v.get(0) : v));
                case "additionalProperties" -> {
                    if (v.isBoolean()) {
                        out.put("additionalProperties", v.asBoolean());
                    } else {
                        out.set("additionalProperties", schema(v));
                    }
                }
                case "discriminator" -> {
                    if (v.isString()) {
                        out.put("discriminator", v.asString());
                    }
                }
                default -> {
                    if (k.startsWith("x-") || SCHEMA_KEYWORDS.contains(k)) {
                        out.set(k, v.deepCopy());
                    }
                }
            }
        }
        if (out.path("type").asString("").equals("array") && !out.has("items")) {
            // kubectl's schema parser wants exactly one item schema for every array.
            out.putObject("items");
        }
        if (out.path("x-kubernetes-int-or-string").asBoolean(false) && !out.has("type")) {
            out.put("type", "string");
            out.put("format", "int-or-string");
        }
        if (out.has("$ref")) {
            // Kubernetes' v2 documents keep only the description beside a reference.
            out.retain("$ref", "description");
        }
        return out;
    }

    private static String ref(String v3Ref) {
        String name = v3Ref.startsWith(SchemaGenerator.REF_PREFIX)
                ? v3Ref.substring(SchemaGenerator.REF_PREFIX.length()) : v3Ref;
        return REF_PREFIX + KubeNames.of(name);
    }

    /**
     * Marks the list properties of a built-in definition that strategic merge patch merges by key (or as a set),
     * when the list's items have that key.
     */
    private static void addPatchExtensions(String v3Name, ObjectNode def, Map<String, JsonNode> byKubeName) {
        JsonNode props = def.path("properties");
        if (!props.isObject()) {
            return;
        }
        String simple = v3Name.substring(v3Name.lastIndexOf('.') + 1);
        boolean inContainer = simple.equals("Container") || simple.equals("EphemeralContainer");
        for (Map.Entry<String, JsonNode> p : props.properties()) {
            ObjectNode prop = (ObjectNode) p.getValue();
            if (!prop.path("type").asString("").equals("array")) {
                continue;
            }
            JsonNode items = prop.path("items");
            if (items.has("$ref")) {
                String key = MergeKeys.mergeKey(p.getKey(), inContainer);
                String itemName = items.get("$ref").asString().substring(REF_PREFIX.length());
                JsonNode item = byKubeName.get(itemName);
                if (key != null && item != null && item.path("properties").has(key)) {
                    prop.put("x-kubernetes-patch-merge-key", key);
                    prop.put("x-kubernetes-patch-strategy", "merge");
                }
            } else if (MergeKeys.mergesPrimitives(p.getKey())) {
                prop.put("x-kubernetes-patch-strategy", "merge");
            }
        }
    }

    private static ObjectNode pathItem(JsonNode v3) {
        ObjectNode out = Json.object();
        for (Map.Entry<String, JsonNode> m : v3.properties()) {
            out.set(m.getKey(), operation(m.getKey(), m.getValue()));
        }
        return out;
    }

    private static ObjectNode operation(String method, JsonNode v3) {
        ObjectNode op = Json.object();
        op.put("description", v3.path("x-kubernetes-action").asString("") + " "
                + v3.path("x-kubernetes-group-version-kind").path("kind").asString(""));
        if (v3.has("operationId")) {
            op.put("operationId", v3.get("operationId").asString());
        }
        JsonNode body = v3.path("requestBody").path("content");
        if (method.equals("patch")) {
            ArrayNode consumes = op.putArray("consumes");
            // No strategic-merge-patch+json, as in v3: kubectl 1.27/1.28 then build strategic merge patches from
            // their compiled-in types (which carry the exact merge keys) for built-in kinds, merge patches for
            // custom ones.
            consumes.add("application/json-patch+json").add("application/merge-patch+json")
                    .add("application/apply-patch+yaml");
        } else if (!body.isMissingNode()) {
            op.putArray("consumes").add("*/*");
        }
        op.putArray("produces").add("application/json").add("application/yaml");
        op.putArray("schemes").add("https");
        ArrayNode params = op.putArray("parameters");
        if (!body.isMissingNode()) {
            ObjectNode b = params.addObject();
            b.put("name", "body");
            b.put("in", "body");
            b.put("required", true);
            JsonNode schema = body.path("application/json").path("schema");
            if (schema.isMissingNode()) {
                ObjectNode patch = Json.object();
                patch.put("type", "object");
                b.set("schema", patch);
            } else {
                b.set("schema", schema(schema));
            }
        }
        for (JsonNode p : v3.path("parameters")) {
            ObjectNode q = params.addObject();
            q.put("name", p.path("name").asString());
            q.put("in", p.path("in").asString());
            if (p.path("required").asBoolean(false)) {
                q.put("required", true);
            }
            q.put("type", p.path("schema").path("type").asString("string"));
            q.put("uniqueItems", true);
        }
        ObjectNode responses = op.putObject("responses");
        for (Map.Entry<String, JsonNode> r : v3.path("responses").properties()) {
            ObjectNode resp = responses.putObject(r.getKey());
            resp.put("description", r.getValue().path("description").asString("OK"));
            JsonNode schema = r.getValue().path("content").path("application/json").path("schema");
            if (!schema.isMissingNode()) {
                resp.set("schema", schema(schema));
            }
        }
        responses.putObject("401").put("description", "Unauthorized");
        for (Map.Entry<String, JsonNode> e : v3.properties()) {
            if (e.getKey().startsWith("x-")) {
                op.set(e.getKey(), e.getValue().deepCopy());
            }
        }
        return op;
    }
}
