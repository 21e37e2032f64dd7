package io.kaji.apiserver.crd;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.registry.NameValidation;
import io.kaji.apiserver.registry.ResourceStrategy;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The essentials of Kubernetes' CustomResourceDefinition validation, in its field paths and wording: the name is
 * {@code <plural>.<group>}, names are DNS-1035 labels, scope is Cluster or Namespaced, exactly one storage version,
 * at least one served version, a structural {@code openAPIV3Schema} per version, valid subresource paths and
 * printer columns, conversion strategy None. Stateless.
 */
final class CrdValidation {

    private static final Set<String> COLUMN_TYPES = Set.of("integer", "number", "string", "boolean", "date");
    private static final Set<String> SCHEMA_TYPES = Set.of("object", "array", "string", "integer", "number",
            "boolean");

    private CrdValidation() {
    }

    static List<StatusCause> validate(ObjectNode crd) {
        List<StatusCause> out = new ArrayList<>();
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asString("");
        JsonNode names = spec.path("names");
        String plural = names.path("plural").asString("");
        if (group.isEmpty()) {
            out.add(StatusCause.required("spec.group", ""));
        } else if (!group.contains(".")) {
            out.add(StatusCause.invalid("spec.group", group, "should be a domain with at least one dot"));
        } else if (!NameValidation.isDns1123Subdomain(group)) {
            out.add(StatusCause.invalid("spec.group", group, NameValidation.DNS1123_SUBDOMAIN_MESSAGE));
        }
        String name = Json.text(crd, "metadata.name");
        if (name != null && !name.equals(plural + "." + group)) {
            out.add(StatusCause.invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
        }
        validateNames(names, out);
        String scope = spec.path("scope").asString("");
        if (scope.isEmpty()) {
            out.add(StatusCause.required("spec.scope", ""));
        } else if (!scope.equals("Cluster") && !scope.equals("Namespaced")) {
            out.add(StatusCause.notSupported("spec.scope", scope, List.of("Cluster", "Namespaced")));
        }
        validateVersions(spec.path("versions"), out);
        String conversion = spec.path("conversion").path("strategy").asString("None");
        if (!conversion.equals("None")) {
            out.add(StatusCause.forbidden("spec.conversion.strategy", "Kaji serves only the None conversion "
                    + "strategy (versions share one schema-less storage form); webhook conversion is not supported"));
        }
        return out;
    }

    private static void validateNames(JsonNode names, List<StatusCause> out) {
        String plural = names.path("plural").asString("");
        String kind = names.path("kind").asString("");
        String listKind = names.path("listKind").asString("");
        label("spec.names.plural", plural, true, out);
        label("spec.names.singular", names.path("singular").asString(""), false, out);
        if (kind.isEmpty()) {
            out.add(StatusCause.required("spec.names.kind", ""));
        } else if (NameValidation.check(kind.toLowerCase(Locale.ROOT), ResourceStrategy.NameRule.DNS1035_LABEL)
                != null) {
            out.add(StatusCause.invalid("spec.names.kind", kind, "may have mixed case, but should otherwise match: "
                    + "[a-z]([-a-z0-9]*[a-z0-9])?"));
        }
        if (listKind.isEmpty()) {
            out.add(StatusCause.required("spec.names.listKind", ""));
        } else if (listKind.equals(kind)) {
            out.add(StatusCause.invalid("spec.names.listKind", listKind, "kind and listKind may not be the same or "
                    + "parsing become ambiguous"));
        }
        JsonNode shortNames = names.path("shortNames");
        for (int i = 0; i < shortNames.size(); i++) {
            label("spec.names.shortNames[" + i + "]", shortNames.get(i).asString(""), true, out);
        }
        JsonNode categories = names.path("categories");
        for (int i = 0; i < categories.size(); i++) {
            label("spec.names.categories[" + i + "]", categories.get(i).asString(""), true, out);
        }
    }

    private static void label(String field, String value, boolean required, List<StatusCause> out) {
        if (value.isEmpty()) {
            if (required) {
                out.add(StatusCause.required(field, ""));
            }
        } else if (NameValidation.check(value, ResourceStrategy.NameRule.DNS1035_LABEL) != null) {
            out.add(StatusCause.invalid(field, value, NameValidation.DNS1035_LABEL_MESSAGE));
        }
    }

    private static void validateVersions(JsonNode versions, List<StatusCause> out) {
        if (!versions.isArray() || versions.isEmpty()) {
            out.add(StatusCause.required("spec.versions", "must have at least one version"));
            return;
        }
        int storage = 0;
        int served = 0;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < versions.size(); i++) {
            JsonNode v = versions.get(i);
            String path = "spec.versions[" + i + "]";
            String vname = v.path("name").asString("");
            if (vname.isEmpty()) {
                out.add(StatusCause.required(path + ".name", ""));
            } else if (NameValidation.check(vname, ResourceStrategy.NameRule.DNS1035_LABEL) != null) {
                out.add(StatusCause.invalid(path + ".name", vname, NameValidation.DNS1035_LABEL_MESSAGE));
            } else if (!seen.add(vname)) {
                out.add(new StatusCause("FieldValueDuplicate", "Duplicate value: \"" + vname + "\"", path + ".name"));
            }
            storage += v.path("storage").asBoolean(false) ? 1 : 0;
            served += v.path("served").asBoolean(false) ? 1 : 0;
            JsonNode schema = v.path("schema").get("openAPIV3Schema");
            if (schema == null || !schema.isObject()) {
                out.add(StatusCause.required(path + ".schema.openAPIV3Schema", "schemas are required"));
            } else {
                validateRootSchema(schema, path + ".schema.openAPIV3Schema", out);
            }
            validateSubresources(v.path("subresources"), path + ".subresources", out);
            validateColumns(v.path("additionalPrinterColumns"), path + ".additionalPrinterColumns", out);
        }
        if (storage != 1) {
            out.add(StatusCause.invalid("spec.versions", storage + " storage versions",
                    "must have exactly one version marked as storage version"));
        }
        if (served == 0) {
            out.add(StatusCause.invalid("spec.versions", "0 served versions", "must have at least one served "
                    + "version"));
        }
    }

    private static void validateRootSchema(JsonNode schema, String path, List<StatusCause> out) {
        String type = schema.path("type").asString("");
        if (type.isEmpty()) {
            out.add(StatusCause.required(path + ".type", "must not be empty at the root"));
        } else if (!type.equals("object")) {
            out.add(StatusCause.invalid(path + ".type", type, "must be object at the root"));
        }
        validateSchema(schema, path, out);
    }

    /** The structural rules: a type everywhere it is not int-or-string or preserve-unknown, items for arrays. */
    private static void validateSchema(JsonNode s, String path, List<StatusCause> out) {
        String type = s.path("type").asString("");
        boolean intOrString = s.path("x-kubernetes-int-or-string").asBoolean(false);
        boolean preserve = s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        JsonNode preserveNode = s.get("x-kubernetes-preserve-unknown-fields");
        if (preserveNode != null && !preserveNode.asBoolean(false)) {
            out.add(StatusCause.invalid(path + ".x-kubernetes-preserve-unknown-fields", false,
                    "must be true or undefined"));
        }
        if (type.isEmpty() && !intOrString && !preserve) {
            out.add(StatusCause.required(path + ".type", "must not be empty for specified object fields"));
        } else if (!type.isEmpty() && !SCHEMA_TYPES.contains(type)) {
            out.add(StatusCause.notSupported(path + ".type", type, List.copyOf(new java.util.TreeSet<>(SCHEMA_TYPES))));
        }
        if (intOrString && !type.isEmpty()) {
            out.add(StatusCause.forbidden(path + ".type", "must be empty with x-kubernetes-int-or-string"));
        }
        JsonNode props = s.get("properties");
        JsonNode additional = s.get("additionalProperties");
        if (props != null && props.isObject() && !props.isEmpty() && additional != null) {
            out.add(StatusCause.forbidden(path + ".additionalProperties",
                    "additionalProperties and properties are mutual exclusive"));
        }
        if (type.equals("array") && !(s.get("items") instanceof ObjectNode)) {
            out.add(StatusCause.required(path + ".items", "must be specified"));
        }
        String pattern = s.path("pattern").asString(null);
        if (pattern != null) {
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                out.add(StatusCause.invalid(path + ".pattern", pattern, "must be a valid regular expression, but "
                        + "isn't: " + e.getDescription()));
            }
        }
        if (props != null && props.isObject()) {
            for (Map.Entry<String, JsonNode> p : props.properties()) {
                validateSchema(p.getValue(), path + ".properties[" + p.getKey() + "]", out);
            }
        }
        if (s.get("items") instanceof ObjectNode items) {
            validateSchema(items, path + ".items", out);
        }
        if (additional instanceof ObjectNode a) {
            validateSchema(a, path + ".additionalProperties", out);
        }
        JsonNode def = s.get("default");
        if (def != null && !def.isNull()) {
            out.addAll(SchemaValidator.validateValue(def, StructuralSchema.parse(s), path + ".default"));
        }
    }

    private static void validateSubresources(JsonNode subs, String path, List<StatusCause> out) {
        JsonNode scale = subs.get("scale");
        if (scale == null || !scale.isObject()) {
            return;
        }
        String spec = scale.path("specReplicasPath").asString("");
        String status = scale.path("statusReplicasPath").asString("");
        String selector = scale.path("labelSelectorPath").asString("");
        if (spec.isEmpty()) {
            out.add(StatusCause.required(path + ".scale.specReplicasPath", ""));
        } else if (!spec.startsWith(".spec.") || !simple(spec)) {
            out.add(StatusCause.invalid(path + ".scale.specReplicasPath", spec, "should be a json path under .spec"));
        }
        if (status.isEmpty()) {
            out.add(StatusCause.required(path + ".scale.statusReplicasPath", ""));
        } else if (!status.startsWith(".status.") || !simple(status)) {
            out.add(StatusCause.invalid(path + ".scale.statusReplicasPath", status,
                    "should be a json path under .status"));
        }
        if (!selector.isEmpty() && (!(selector.startsWith(".spec.") || selector.startsWith(".status."))
                || !simple(selector))) {
            out.add(StatusCause.invalid(path + ".scale.labelSelectorPath", selector,
                    "should be a json path under either .spec or .status"));
        }
    }

    private static boolean simple(String path) {
        return path.matches("(\\.[A-Za-z0-9_-]+)+");
    }

    private static void validateColumns(JsonNode columns, String path, List<StatusCause> out) {
        for (int i = 0; i < columns.size(); i++) {
            JsonNode c = columns.get(i);
            String p = path + "[" + i + "]";
            if (c.path("name").asString("").isEmpty()) {
                out.add(StatusCause.required(p + ".name", ""));
            }
            String type = c.path("type").asString("");
            if (type.isEmpty()) {
                out.add(StatusCause.required(p + ".type", ""));
            } else if (!COLUMN_TYPES.contains(type)) {
                out.add(StatusCause.notSupported(p + ".type", type, List.of("integer", "number", "string", "boolean",
                        "date")));
            }
            String jsonPath = c.path("jsonPath").asString("");
            if (jsonPath.isEmpty()) {
                out.add(StatusCause.required(p + ".jsonPath", ""));
            } else {
                try {
                    SimpleJsonPath.parse(jsonPath);
                } catch (IllegalArgumentException e) {
                    out.add(StatusCause.invalid(p + ".jsonPath", jsonPath, e.getMessage()));
                }
            }
        }
    }
}
