package io.kaji.apiserver.apply;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.serialization.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The body of an apply patch ({@code application/apply-patch+yaml}): a partial object in YAML or JSON (JSON is
 * YAML) that must name its apiVersion and kind, and whose name, when given, must be the one on the URL.
 */
public final class AppliedConfiguration {

    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private AppliedConfiguration() {
    }

    /**
     * Parses and checks an applied configuration; fills in {@code metadata.name} from the URL when absent.
     *
     * @throws ApiException 400 BadRequest for a body that is not a YAML object, lacks apiVersion or kind, or names
     *                      another object
     */
    public static ObjectNode parse(byte[] body, String urlName) {
        JsonNode node;
        try {
            node = body == null || body.length == 0 ? null : YAML.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.badRequest("error decoding YAML: " + e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            throw ApiException.badRequest("the body of the apply patch is empty; an object (YAML or JSON) is "
                    + "required");
        }
        if (!(node instanceof ObjectNode obj)) {
            throw ApiException.badRequest("the body of the apply patch must be an object, got " + node.getNodeType());
        }
        String compact = Json.string(obj);
        String shown = compact.length() > 200 ? compact.substring(0, 200) + "..." : compact;
        if (blank(Json.text(obj, "kind"))) {
            throw ApiException.badRequest("Object 'Kind' is missing in '" + shown + "'");
        }
        if (blank(Json.text(obj, "apiVersion"))) {
            throw ApiException.badRequest("Object 'apiVersion' is missing in '" + shown + "'");
        }
        String name = Json.text(obj, "metadata.name");
        if (blank(name)) {
            Json.metadata(obj).put("name", urlName);
        } else if (!name.equals(urlName)) {
            throw ApiException.badRequest("the name of the object (" + name + ") does not match the name on the URL ("
                    + urlName + ")");
        }
        return obj;
    }

    private static boolean blank(String s) {
        return s == null || s.isEmpty();
    }
}
