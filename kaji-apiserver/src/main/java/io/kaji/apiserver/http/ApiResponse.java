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
 */
public record ApiResponse(int status, String contentType, byte[] body, List<String> warnings) {

    public ApiResponse {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
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
