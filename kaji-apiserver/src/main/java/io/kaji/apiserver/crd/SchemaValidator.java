package io.kaji.apiserver.crd;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Validates a custom resource against its CRD's structural schema and reports field errors in Kubernetes' words,
 * e.g. {@code spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"}.
 * The root's {@code apiVersion}, {@code kind} and {@code metadata} are the API server's business, not the
 * schema's. Stateless; {@code x-kubernetes-validations} (CEL) rules are not evaluated.
 */
final class SchemaValidator {

    private static final Set<String> TYPE_META = Set.of("apiVersion", "kind", "metadata");
    private static final Pattern HOSTNAME = Pattern.compile(
            "^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$");
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+$");
    private static final Pattern IPV4 = Pattern.compile(
            "^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$");

    private SchemaValidator() {
    }

    /** Every violation in {@code object}; empty when it is valid. */
    static List<StatusCause> validate(JsonNode object, StructuralSchema schema) {
        List<StatusCause> causes = new ArrayList<>();
        for (String r : schema.required) {
            if (!TYPE_META.contains(r) && (object.get(r) == null)) {
                causes.add(StatusCause.required(r, ""));
            }
        }
        checkProperties(object, schema, "", true, causes);
        return causes;
    }

    /**
     * Checks the properties of an object: those the schema names in the schema's order (so that messages do not
     * depend on how a client ordered its JSON), then the others against additionalProperties in document order.
     */
    private static void checkProperties(JsonNode object, StructuralSchema schema, String path, boolean resource,
            List<StatusCause> out) {
        String prefix = path.isEmpty() ? "" : path + ".";
        for (Map.Entry<String, StructuralSchema> p : schema.properties.entrySet()) {
            JsonNode v = object.get(p.getKey());
            if (v != null && !(resource && TYPE_META.contains(p.getKey()))) {
                check(v, p.getValue(), prefix + p.getKey(), out);
            }
        }
        if (schema.additionalProperties != null) {
            for (Map.Entry<String, JsonNode> e : object.properties()) {
                if (!schema.properties.containsKey(e.getKey()) && !(resource && TYPE_META.contains(e.getKey()))) {
                    check(e.getValue(), schema.additionalProperties, prefix + e.getKey(), out);
                }
            }
        }
    }

    /** The violations of one value at {@code path} (a CRD's {@code default} values are checked this way). */
    static List<StatusCause> validateValue(JsonNode value, StructuralSchema schema, String path) {
        List<StatusCause> causes = new ArrayList<>();
        check(value, schema, path, causes);
        return causes;
    }

    private static void check(JsonNode v, StructuralSchema s, String path, List<StatusCause> out) {
        if (v.isNull()) {
            if (!s.nullable && (s.type != null || s.intOrString)) {
                out.add(typeError(path, s.intOrString ? "integer,string" : s.type, "null"));
            }
            return;
        }
        if (s.intOrString) {
            if (!v.isIntegralNumber() && !v.isString()) {
                out.add(typeError(path, "integer,string", typeName(v)));
                return;
            }
        } else if (s.type != null && !hasType(v, s.type)) {
            out.add(typeError(path, s.type, typeName(v)));
            return;
        }
        if (!s.enumValues.isEmpty() && !inEnum(v, s.enumValues)) {
            out.add(StatusCause.notSupported(path, value(v), s.enumValues.stream().map(SchemaValidator::enumText)
                    .toList()));
        }
        if (v.isString()) {
            checkString(v.stringValue(), s, path, out);
        } else if (v.isNumber()) {
            checkNumber(v.decimalValue(), v, s, path, out);
        } else if (v.isArray()) {
            checkArray(v, s, path, out);
        } else if (v.isObject()) {
            checkObject(v, s, path, out);
        }
    }

    private static void checkString(String text, StructuralSchema s, String path, List<StatusCause> out) {
        int length = text.codePointCount(0, text.length());
        if (s.maxLength != null && length > s.maxLength) {
            out.add(new StatusCause("FieldValueTooLong", "Too long: may not be more than " + s.maxLength + " bytes",
                    path));
        }
        if (s.minLength != null && length < s.minLength) {
            out.add(StatusCause.invalid(path, text, path + " in body should be at least " + s.minLength
                    + " chars long"));
        }
        if (s.patternText != null && (s.pattern == null || !s.pattern.matcher(text).find())) {
            out.add(StatusCause.invalid(path, text, path + " in body should match '" + s.patternText + "'"));
        }
        if (s.format != null && !formatMatches(s.format, text)) {
            out.add(StatusCause.invalid(path, text, path + " in body must be of type " + s.format + ": \"" + text
                    + "\""));
        }
    }

    private static void checkNumber(BigDecimal n, JsonNode v, StructuralSchema s, String path,
            List<StatusCause> out) {
        Object shown = value(v);
        if (s.minimum != null) {
            int c = n.compareTo(s.minimum);
            if (s.exclusiveMinimum ? c <= 0 : c < 0) {
                out.add(StatusCause.invalid(path, shown, path + " in body should be greater than "
                        + (s.exclusiveMinimum ? "" : "or equal to ") + plain(s.minimum)));
            }
        }
        if (s.maximum != null) {
            int c = n.compareTo(s.maximum);
            if (s.exclusiveMaximum ? c >= 0 : c > 0) {
                out.add(StatusCause.invalid(path, shown, path + " in body should be less than "
                        + (s.exclusiveMaximum ? "" : "or equal to ") + plain(s.maximum)));
            }
        }
        if ("int32".equals(s.format) && (n.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) < 0
                || n.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0)) {
            out.add(StatusCause.invalid(path, shown, path + " in body must be of type int32: \"" + plain(n) + "\""));
        }
    }

    private static void checkArray(JsonNode v, StructuralSchema s, String path, List<StatusCause> out) {
        if (s.maxItems != null && v.size() > s.maxItems) {
            out.add(new StatusCause("FieldValueTooMany", "Too many: " + v.size() + ": must have at most " + s.maxItems
                    + " items", path));
        }
        if (s.minItems != null && v.size() < s.minItems) {
            out.add(StatusCause.invalid(path, v, path + " in body should have at least " + s.minItems
                    + " items"));
        }
        if (s.uniqueItems) {
            Set<JsonNode> seen = new HashSet<>();
            for (int i = 0; i < v.size(); i++) {
                if (!seen.add(v.get(i))) {
                    out.add(new StatusCause("FieldValueDuplicate", "Duplicate value: " + shownText(v.get(i)),
                            path + "[" + i + "]"));
                }
            }
        }
        if (s.items != null) {
            for (int i = 0; i < v.size(); i++) {
                check(v.get(i), s.items, path + "[" + i + "]", out);
            }
        }
    }

    private static void checkObject(JsonNode v, StructuralSchema s, String path, List<StatusCause> out) {
        for (String r : s.required) {
            if (v.get(r) == null) {
                out.add(StatusCause.required(path + "." + r, ""));
            }
        }
        if (s.embeddedResource) {
            for (String f : List.of("apiVersion", "kind")) {
                JsonNode t = v.get(f);
                if (t == null || !t.isString() || t.stringValue().isEmpty()) {
                    out.add(StatusCause.required(path + "." + f, "must not be empty"));
                }
            }
        }
        if (s.maxProperties != null && v.size() > s.maxProperties) {
            out.add(new StatusCause("FieldValueTooMany", "Too many: " + v.size() + ": must have at most "
                    + s.maxProperties + " items", path));
        }
        if (s.minProperties != null && v.size() < s.minProperties) {
            out.add(StatusCause.invalid(path, v, path + " in body should have at least "
                    + s.minProperties + " properties"));
        }
        checkProperties(v, s, path, s.embeddedResource, out);
    }

    private static StatusCause typeError(String path, String expected, String actual) {
        return StatusCause.invalid(path, actual, path + " in body must be of type " + expected + ": \"" + actual
                + "\"");
    }

    private static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isString();
            case "boolean" -> v.isBoolean();
            case "number" -> v.isNumber();
            case "integer" -> v.isIntegralNumber()
                    || v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0;
            default -> true;
        };
    }

    /** The JSON type of a value as go-openapi names it in messages. */
    static String typeName(JsonNode v) {
        if (v.isString()) {
            return "string";
        }
        if (v.isIntegralNumber()) {
            return "integer";
        }
        if (v.isNumber()) {
            return "number";
        }
        if (v.isBoolean()) {
            return "boolean";
        }
        if (v.isArray()) {
            return "array";
        }
        if (v.isObject()) {
            return "object";
        }
        return "null";
    }

    private static boolean inEnum(JsonNode v, List<JsonNode> values) {
        for (JsonNode e : values) {
            if (e.equals(v) || e.isNumber() && v.isNumber() && e.decimalValue().compareTo(v.decimalValue()) == 0) {
                return true;
            }
        }
        return false;
    }

    private static String enumText(JsonNode e) {
        return e.isString() ? e.stringValue() : Json.string(e);
    }

    /** A value as a cause shows it: strings quoted by the cause, numbers plain, anything else as JSON. */
    private static Object value(JsonNode v) {
        if (v.isString()) {
            return v.stringValue();
        }
        if (v.isNumber()) {
            BigDecimal d = v.decimalValue().stripTrailingZeros();
            return d.scale() <= 0 ? (Object) d.toBigInteger() : (Object) d.doubleValue();
        }
        return v;
    }

    private static String shownText(JsonNode v) {
        return v.isString() ? "\"" + v.stringValue() + "\"" : Json.string(v);
    }

    private static String plain(BigDecimal d) {
        return d.stripTrailingZeros().toPlainString();
    }

    private static boolean isIpv6(String text) {
        // Only hex digits, colons and dots: getByName then parses a literal and never asks DNS.
        if (!text.contains(":") || !text.matches("[0-9a-fA-F:.]+")) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(text) instanceof java.net.Inet6Address;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** The formats Kubernetes checks that Kaji knows; unknown formats pass, as in Kubernetes. */
    static boolean formatMatches(String format, String text) {
        try {
            return switch (format) {
                case "date-time", "datetime" -> {
                    OffsetDateTime.parse(text);
                    yield true;
                }
                case "date" -> {
                    LocalDate.parse(text);
                    yield true;
                }
                case "uuid" -> {
                    UUID.fromString(text);
                    yield text.length() == 36;
                }
                case "byte" -> {
                    Base64.getDecoder().decode(text);
                    yield true;
                }
                case "ipv4" -> IPV4.matcher(text).matches();
                case "ipv6" -> isIpv6(text);
                case "hostname" -> text.length() <= 255 && HOSTNAME.matcher(text).matches();
                case "email" -> EMAIL.matcher(text).matches();
                default -> true;
            };
        } catch (DateTimeParseException | IllegalArgumentException e) {
            return false;
        }
    }
}
