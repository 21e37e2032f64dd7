package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.protobuf.ProtobufDecoder;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.schema.FieldValidation;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.MediaTypes;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Turns a request body into an object of a definition's kind: JSON parsing, apiVersion/kind checks, unknown
 * fields per {@code fieldValidation}, and a typed decode through the fabric8 model class so that wrong types are
 * rejected as Kubernetes rejects them.
 */
final class ObjectDecoder {

    /** A decoded object and the warnings to send back ({@code fieldValidation=Warn}). */
    record Decoded(ObjectNode object, List<String> warnings) {
    }

    private ObjectDecoder() {
    }

    /** Decodes a create/update body. */
    static Decoded decode(ResourceDefinition def, String contentType, byte[] body, FieldValidation.Mode mode) {
        String base = MediaTypes.base(contentType);
        ObjectNode obj;
        if (base.equals(MediaTypes.PROTOBUF)) {
            obj = ProtobufDecoder.decode(body);
        } else if (base.equals(MediaTypes.JSON) || base.isEmpty()) {
            obj = parse(def, body, mode);
        } else if (base.equals(MediaTypes.YAML)) {
            obj = parseYaml(body, mode);
        } else {
            throw ApiException.unsupportedMediaType(contentType);
        }
        return admit(def, obj, mode);
    }

    static ObjectNode parse(ResourceDefinition def, byte[] body, FieldValidation.Mode mode) {
        try {
            return Json.parseObject(body, mode == FieldValidation.Mode.STRICT ? Json.STRICT_MAPPER : Json.MAPPER);
        } catch (ApiException e) {
            if (mode == FieldValidation.Mode.STRICT && e.getMessage().contains("Duplicate field")) {
                throw ApiException.badRequest(cannotHandle(def) + "strict decoding error: " + e.getMessage());
            }
            throw e;
        }
    }

    /** A YAML body (a manifest as written, sent with {@code kubectl create --raw} or curl); one document. */
    static ObjectNode parseYaml(byte[] body, FieldValidation.Mode mode) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("the body of the request is empty; a YAML or JSON object is required");
        }
        JsonNode node;
        try {
            node = (mode == FieldValidation.Mode.STRICT ? STRICT_YAML : YAML).readTree(body);
        } catch (JacksonException e) {
            throw ApiException.badRequest("error converting YAML to JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode obj)) {
            throw ApiException.badRequest("the body of the request must be a YAML object, got "
                    + (node == null ? "nothing" : node.getNodeType()));
        }
        return obj;
    }

    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final YAMLMapper STRICT_YAML = YAMLMapper.builder()
            .enable(tools.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** Checks type meta, handles unknown fields and type-checks an already parsed object (modified in place). */
    static Decoded admit(ResourceDefinition def, ObjectNode obj, FieldValidation.Mode mode) {
        String apiVersion = Json.text(obj, "apiVersion");
        String kind = Json.text(obj, "kind");
        if (apiVersion != null && !apiVersion.isEmpty() && !apiVersion.equals(def.apiVersion())) {
            throw ApiException.badRequest("the API version in the data (" + apiVersion + ") does not match the "
                    + "expected API version (" + def.apiVersion() + ")");
        }
        if (kind != null && !kind.isEmpty() && !kind.equals(def.kind())) {
            throw ApiException.badRequest(kind + " in version \"" + def.version() + "\" cannot be handled as a "
                    + def.kind() + ": the kind in the data (" + kind + ") does not match " + def.kind());
        }
        obj.put("apiVersion", def.apiVersion());
        obj.put("kind", def.kind());
        // Custom resources prune by their CRD's schema; built-in kinds are checked against their model class.
        List<String> unknown = def.strategy().dropUnknownFields(obj);
        boolean typesProven = false;
        if (unknown == null) {
            FieldValidation.dropNulls(obj);
            FieldValidation.Checked checked = FieldValidation.check(obj, def.modelClass());
            unknown = checked.unknown();
            typesProven = checked.typesProven();
        }
        List<String> warnings = new ArrayList<>();
        if (!unknown.isEmpty()) {
            List<String> texts = unknown.stream().map(u -> "unknown field \"" + u + "\"").toList();
            if (mode == FieldValidation.Mode.STRICT) {
                throw ApiException.badRequest(cannotHandle(def) + "strict decoding error: " + String.join(", ", texts));
            }
            if (mode == FieldValidation.Mode.WARN) {
                warnings.addAll(texts);
            }
        }
        if (typesProven) {
            // Every value has its declared JSON type: binding to the model class (the costliest step of a create)
            // cannot fail, so it is skipped; otherwise it runs to reject wrong types with Kubernetes' message.
            return new Decoded(obj, warnings);
        }
        try {
            Json.MAPPER.treeToValue(obj, def.modelClass());
        } catch (JacksonException e) {
            throw ApiException.badRequest(cannotHandle(def) + "json: cannot unmarshal "
                    + e.getOriginalMessage().split("\n")[0] + " (at " + e.getPathReference() + ")");
        }
        return new Decoded(obj, warnings);
    }

    private static String cannotHandle(ResourceDefinition def) {
        return def.kind() + " in version \"" + def.version() + "\" cannot be handled as a " + def.kind() + ": ";
    }
}
