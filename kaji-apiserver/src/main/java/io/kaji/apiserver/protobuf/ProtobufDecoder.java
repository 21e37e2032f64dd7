package io.kaji.apiserver.protobuf;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.serialization.Json;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import tools.jackson.databind.node.ObjectNode;

/**
 * Decodes {@code application/vnd.kubernetes.protobuf} request bodies (what kubectl 1.32+ sends for
 * {@code kubectl create ...}) into the JSON object the rest of the server works with. Thread-safe; the isolated
 * protobuf runtime is loaded on first use.
 */
public final class ProtobufDecoder {

    private ProtobufDecoder() {
    }

    private static final class Holder {
        static final Function<byte[], String> CONVERTER = IsolatedProtobuf.converter();
    }

    /**
     * The object in a protobuf envelope.
     *
     * @throws ApiException 400 BadRequest when the body is not a decodable envelope, 415 for unsupported groups
     */
    public static ObjectNode decode(byte[] body) {
        String json;
        try {
            json = Holder.CONVERTER.apply(body);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains("are not supported")) {
                throw new ApiException(415, "UnsupportedMediaType", e.getMessage(), null);
            }
            throw ApiException.badRequest(e.getMessage());
        }
        return Json.parseObject(json.getBytes(StandardCharsets.UTF_8));
    }
}
