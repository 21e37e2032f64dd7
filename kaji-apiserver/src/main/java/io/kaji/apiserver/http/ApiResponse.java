package io.kaji.apiserver.http;

import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A complete (non-streaming) response.
 *
 * @param status      HTTP status code
 * @param contentType the Content-Type header
 * @param body        the body bytes
 * @param warnings    texts for {@code Warning: 299 - "..."} headers, which kubectl prints
 * @param headers     further response headers by name (ETag, Vary, Content-Encoding), usually none
 */
public record ApiResponse(int status, String contentType, byte[] body, List<String> warnings,
        java.util.Map<String, String> headers) {

    public ApiResponse {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
        headers = headers == null ? java.util.Map.of() : java.util.Map.copyOf(headers);
    }

    public ApiResponse(int status, String contentType, byte[] body, List<String> warnings) {
        this(status, contentType, body, warnings, java.util.Map.of());
    }

    public static ApiResponse json(int status, JsonNode node) {
        return new ApiResponse(status, MediaTypes.JSON, Json.bytes(node), List.of());
    }

    public static ApiResponse json(int status, JsonNode node, List<String> warnings) {
        return new ApiResponse(status, MediaTypes.JSON, Json.bytes(node), warnings);
    }

    public static ApiResponse json(int status, String contentType, JsonNode node) {
        return new ApiResponse(status, contentType, Json.bytes(node), List.of());
    }

    public static ApiResponse text(int status, String text) {
        return new ApiResponse(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), List.of());
    }
}
