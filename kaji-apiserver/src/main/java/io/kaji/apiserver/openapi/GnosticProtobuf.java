package io.kaji.apiserver.openapi;

import io.kaji.apiserver.openapi.gnostic.AdditionalPropertiesItem;
import io.kaji.apiserver.openapi.gnostic.Any;
import io.kaji.apiserver.openapi.gnostic.BodyParameter;
import io.kaji.apiserver.openapi.gnostic.Definitions;
import io.kaji.apiserver.openapi.gnostic.Document;
import io.kaji.apiserver.openapi.gnostic.Info;
import io.kaji.apiserver.openapi.gnostic.ItemsItem;
import io.kaji.apiserver.openapi.gnostic.NamedAny;
import io.kaji.apiserver.openapi.gnostic.NamedPathItem;
import io.kaji.apiserver.openapi.gnostic.NamedResponseValue;
import io.kaji.apiserver.openapi.gnostic.NamedSchema;
import io.kaji.apiserver.openapi.gnostic.NonBodyParameter;
import io.kaji.apiserver.openapi.gnostic.Operation;
import io.kaji.apiserver.openapi.gnostic.Parameter;
import io.kaji.apiserver.openapi.gnostic.ParametersItem;
import io.kaji.apiserver.openapi.gnostic.PathItem;
import io.kaji.apiserver.openapi.gnostic.PathParameterSubSchema;
import io.kaji.apiserver.openapi.gnostic.Paths;
import io.kaji.apiserver.openapi.gnostic.Properties;
import io.kaji.apiserver.openapi.gnostic.QueryParameterSubSchema;
import io.kaji.apiserver.openapi.gnostic.Response;
import io.kaji.apiserver.openapi.gnostic.ResponseValue;
import io.kaji.apiserver.openapi.gnostic.Responses;
import io.kaji.apiserver.openapi.gnostic.Schema;
import io.kaji.apiserver.openapi.gnostic.SchemaItem;
import io.kaji.apiserver.openapi.gnostic.TypeItem;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The Swagger 2.0 JSON document as gnostic's {@code openapi.v2.Document} message, the form kubectl 1.27 and 1.28
 * decode. Vendor extensions, defaults, enums and examples travel as YAML text ({@code Any.yaml}); JSON text is YAML,
 * so they are written as JSON. Stateless.
 */
final class GnosticProtobuf {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GnosticProtobuf.class);

    private GnosticProtobuf() {
    }

    static Document document(JsonNode doc) {
        Document.Builder b = Document.newBuilder()
                .setSwagger(doc.path("swagger").asString("2.0"))
                .setInfo(Info.newBuilder()
                        .setTitle(doc.path("info").path("title").asString(""))
                        .setVersion(doc.path("info").path("version").asString("")));
        Paths.Builder paths = Paths.newBuilder();
        for (Map.Entry<String, JsonNode> p : doc.path("paths").properties()) {
            paths.addPath(NamedPathItem.newBuilder().setName(p.getKey()).setValue(pathItem(p.getValue())));
        }
        b.setPaths(paths);
        Definitions.Builder defs = Definitions.newBuilder();
        for (Map.Entry<String, JsonNode> d : doc.path("definitions").properties()) {
            Schema schema;
            try {
                schema = schema(d.getValue());
            } catch (RuntimeException e) {
                // A value of an unexpected JSON type in one (custom) schema: describe that kind as free-form rather
                // than fail the document every kubectl 1.27/1.28 apply needs.
                LOG.warn("OpenAPI v2 protobuf: cannot encode the schema of {}, describing it as free-form: {}",
                        d.getKey(), e.toString());
                schema = Schema.newBuilder().setType(TypeItem.newBuilder().addValue("object"))
                        .addVendorExtension(NamedAny.newBuilder().setName("x-kubernetes-preserve-unknown-fields")
                                .setValue(Any.newBuilder().setYaml("true")))
                        .build();
            }
            defs.addAdditionalProperties(NamedSchema.newBuilder().setName(d.getKey()).setValue(schema));
        }
        b.setDefinitions(defs);
        return b.build();
    }

    private static PathItem pathItem(JsonNode item) {
        PathItem.Builder b = PathItem.newBuilder();
        for (Map.Entry<String, JsonNode> m : item.properties()) {
            Operation op = operation(m.getValue());
            switch (m.getKey()) {
                case "get" -> b.setGet(op);
                case "put" -> b.setPut(op);
                case "post" -> b.setPost(op);
                case "delete" -> b.setDelete(op);
                case "patch" -> b.setPatch(op);
                case "head" -> b.setHead(op);
                case "options" -> b.setOptions(op);
                default -> { }
            }
        }
        return b.build();
    }

    private static Operation operation(JsonNode op) {
        Operation.Builder b = Operation.newBuilder()
                .setDescription(op.path("description").asString(""))
                .setOperationId(op.path("operationId").asString(""));
        op.path("consumes").forEach(c -> b.addConsumes(c.asString()));
        op.path("produces").forEach(c -> b.addProduces(c.asString()));
        op.path("schemes").forEach(c -> b.addSchemes(c.asString()));
        for (JsonNode p : op.path("parameters")) {
            b.addParameters(ParametersItem.newBuilder().setParameter(parameter(p)));
        }
        Responses.Builder responses = Responses.newBuilder();
        for (Map.Entry<String, JsonNode> r : op.path("responses").properties()) {
            Response.Builder resp = Response.newBuilder().setDescription(r.getValue().path("description").asString(""));
            if (r.getValue().has("schema")) {
                resp.setSchema(SchemaItem.newBuilder().setSchema(schema(r.getValue().get("schema"))));
            }
            responses.addResponseCode(NamedResponseValue.newBuilder().setName(r.getKey())
                    .setValue(ResponseValue.newBuilder().setResponse(resp)));
        }
        b.setResponses(responses);
        for (Map.Entry<String, JsonNode> e : op.properties()) {
            if (e.getKey().startsWith("x-")) {
                b.addVendorExtension(namedAny(e.getKey(), e.getValue()));
            }
        }
        return b.build();
    }

    private static Parameter parameter(JsonNode p) {
        String in = p.path("in").asString("");
        String name = p.path("name").asString("");
        boolean required = p.path("required").asBoolean(false);
        if (in.equals("body")) {
            return Parameter.newBuilder().setBodyParameter(BodyParameter.newBuilder().setName(name).setIn(in)
                    .setRequired(required).setSchema(schema(p.path("schema")))).build();
        }
        NonBodyParameter.Builder nb = NonBodyParameter.newBuilder();
        if (in.equals("path")) {
            nb.setPathParameterSubSchema(PathParameterSubSchema.newBuilder().setName(name).setIn(in)
                    .setRequired(required).setType(p.path("type").asString("string"))
                    .setUniqueItems(p.path("uniqueItems").asBoolean(false)));
        } else {
            nb.setQueryParameterSubSchema(QueryParameterSubSchema.newBuilder().setName(name).setIn(in)
                    .setRequired(required).setType(p.path("type").asString("string"))
                    .setUniqueItems(p.path("uniqueItems").asBoolean(false)));
        }
        return Parameter.newBuilder().setNonBodyParameter(nb).build();
    }

    /** A v2 JSON schema as a gnostic Schema. */
    static Schema schema(JsonNode s) {
        Schema.Builder b = Schema.newBuilder();
        if (s == null || !s.isObject()) {
            return b.build();
        }
        for (Map.Entry<String, JsonNode> e : s.properties()) {
            String k = e.getKey();
            JsonNode v = e.getValue();
            switch (k) {
                case "$ref" -> b.setRef(v.asString());
                case "format" -> b.setFormat(v.asString());
                case "title" -> b.setTitle(v.asString());
                case "description" -> b.setDescription(v.asString());
                case "default" -> b.setDefault(any(v));
                case "example" -> b.setExample(any(v));
                case "multipleOf" -> b.setMultipleOf(v.asDouble());
                case "maximum" -> b.setMaximum(v.asDouble());
                case "exclusiveMaximum" -> b.setExclusiveMaximum(v.asBoolean());
                case "minimum" -> b.setMinimum(v.asDouble());
                case "exclusiveMinimum" -> b.setExclusiveMinimum(v.asBoolean());
                case "maxLength" -> b.setMaxLength(v.asLong());
                case "minLength" -> b.setMinLength(v.asLong());
                case "pattern" -> b.setPattern(v.asString());
                case "maxItems" -> b.setMaxItems(v.asLong());
                case "minItems" -> b.setMinItems(v.asLong());
                case "uniqueItems" -> b.setUniqueItems(v.asBoolean());
                case "maxProperties" -> b.setMaxProperties(v.asLong());
                case "minProperties" -> b.setMinProperties(v.asLong());
                case "readOnly" -> b.setReadOnly(v.asBoolean());
                case "discriminator" -> b.setDiscriminator(v.asString());
                case "required" -> v.forEach(r -> b.addRequired(r.asString()));
                case "enum" -> v.forEach(x -> b.addEnum(any(x)));
                case "type" -> {
                    TypeItem.Builder t = TypeItem.newBuilder();
                    if (v.isArray()) {
                        v.forEach(x -> t.addValue(x.asString()));
                    } else {
                        t.addValue(v.asString());
                    }
                    b.setType(t);
                }
                case "items" -> b.setItems(ItemsItem.newBuilder().addSchema(schema(v)));
                case "allOf" -> v.forEach(x -> b.addAllOf(schema(x)));
                case "properties" -> {
                    Properties.Builder props = Properties.newBuilder();
                    for (Map.Entry<String, JsonNode> p : v.properties()) {
                        props.addAdditionalProperties(NamedSchema.newBuilder().setName(p.getKey())
                                .setValue(schema(p.getValue())));
                    }
                    b.setProperties(props);
                }
                case "additionalProperties" -> b.setAdditionalProperties(v.isBoolean()
                        ? AdditionalPropertiesItem.newBuilder().setBoolean(v.asBoolean())
                        : AdditionalPropertiesItem.newBuilder().setSchema(schema(v)));
                default -> {
                    if (k.startsWith("x-")) {
                        b.addVendorExtension(namedAny(k, v));
                    }
                }
            }
        }
        return b.build();
    }

    private static NamedAny namedAny(String name, JsonNode value) {
        return NamedAny.newBuilder().setName(name).setValue(any(value)).build();
    }

    private static Any any(JsonNode value) {
        return Any.newBuilder().setYaml(value.toString()).build();
    }
}
