package io.kaji.apiserver.crd;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import tools.jackson.databind.JsonNode;

/**
 * One node of a CustomResourceDefinition's {@code openAPIV3Schema}, parsed once for validation, pruning and
 * defaulting: the keywords of Kubernetes' structural schemas (type, properties, items, additionalProperties,
 * required, enum, pattern, bounds, lengths, counts, uniqueItems, nullable, format, default) and the
 * {@code x-kubernetes-*} extensions Kaji honours. Logical junctors ({@code allOf}, {@code anyOf}, {@code oneOf},
 * {@code not}) are kept as written but not evaluated. Immutable and thread-safe.
 */
final class StructuralSchema {

    final String type;
    final String format;
    final boolean nullable;
    final Map<String, StructuralSchema> properties;
    final StructuralSchema items;
    /** The schema of values not in {@link #properties}; null when not given. */
    final StructuralSchema additionalProperties;
    /** {@code additionalProperties: true} (anything), distinct from a schema. */
    final boolean additionalPropertiesAllowed;
    final List<String> required;
    final List<JsonNode> enumValues;
    final Pattern pattern;
    final String patternText;
    final BigDecimal minimum;
    final BigDecimal maximum;
    final boolean exclusiveMinimum;
    final boolean exclusiveMaximum;
    final Long minLength;
    final Long maxLength;
    final Long minItems;
    final Long maxItems;
    final Long minProperties;
    final Long maxProperties;
    final boolean uniqueItems;
    final JsonNode defaultValue;
    final boolean preserveUnknownFields;
    final boolean intOrString;
    final boolean embeddedResource;

    private StructuralSchema(JsonNode n) {
        type = text(n, "type");
        format = text(n, "format");
        nullable = n.path("nullable").asBoolean(false);
        Map<String, StructuralSchema> props = new LinkedHashMap<>();
        JsonNode p = n.get("properties");
        if (p != null && p.isObject()) {
            p.properties().forEach(e -> props.put(e.getKey(), new StructuralSchema(e.getValue())));
        }
        properties = Collections.unmodifiableMap(props);
        JsonNode it = n.get("items");
        items = it != null && it.isObject() ? new StructuralSchema(it) : null;
        JsonNode ap = n.get("additionalProperties");
        additionalProperties = ap != null && ap.isObject() ? new StructuralSchema(ap) : null;
        additionalPropertiesAllowed = ap != null && ap.isBoolean() && ap.booleanValue();
        List<String> req = new ArrayList<>();
        n.path("required").forEach(r -> req.add(r.asString()));
        required = List.copyOf(req);
        List<JsonNode> en = new ArrayList<>();
        n.path("enum").forEach(en::add);
        enumValues = List.copyOf(en);
        patternText = text(n, "pattern");
        pattern = compile(patternText);
        minimum = decimal(n, "minimum");
        maximum = decimal(n, "maximum");
        exclusiveMinimum = n.path("exclusiveMinimum").asBoolean(false);
        exclusiveMaximum = n.path("exclusiveMaximum").asBoolean(false);
        minLength = count(n, "minLength");
        maxLength = count(n, "maxLength");
        minItems = count(n, "minItems");
        maxItems = count(n, "maxItems");
        minProperties = count(n, "minProperties");
        maxProperties = count(n, "maxProperties");
        uniqueItems = n.path("uniqueItems").asBoolean(false);
        defaultValue = n.get("default");
        preserveUnknownFields = n.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        intOrString = n.path("x-kubernetes-int-or-string").asBoolean(false);
        embeddedResource = n.path("x-kubernetes-embedded-resource").asBoolean(false);
    }

    /** Parses a schema (a JSON object as found at {@code schema.openAPIV3Schema}). */
    static StructuralSchema parse(JsonNode schema) {
        return new StructuralSchema(schema);
    }

    /** The schema of property {@code name} of an object: its own, else additionalProperties', else null. */
    StructuralSchema property(String name) {
        StructuralSchema s = properties.get(name);
        return s != null ? s : additionalProperties;
    }

    /** True when fields that no schema describes are kept at this node. */
    boolean keepsUnknownFields() {
        return preserveUnknownFields || additionalPropertiesAllowed;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isString() ? v.stringValue() : null;
    }

    private static BigDecimal decimal(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isNumber() ? v.decimalValue() : null;
    }

    private static Long count(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isIntegralNumber() ? v.longValue() : null;
    }

    private static Pattern compile(String regex) {
        if (regex == null) {
            return null;
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            // CRD validation refuses such a schema; an unparsable pattern that got stored matches nothing.
            return null;
        }
    }
}
