package io.kaji.apiserver.server;

import io.kaji.apiserver.auth.UserInfo;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.http.Exchange;
import io.kaji.apiserver.http.ResponseStream;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.MediaTypes;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * The exchange of a request whose Accept header asks for YAML first ({@link MediaTypes#wantsYaml}): a complete JSON
 * response (an object, a list, a Status) goes out as the same document in YAML. Streams (watches) and bodies in any
 * other form pass unchanged. Sits beneath the audit log, which records the JSON.
 */
final class YamlExchange implements Exchange {

    /** String values stay quoted, so that none reads back as another type (a timestamp, a number, a boolean). */
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .build();

    private final Exchange delegate;

    YamlExchange(Exchange delegate) {
        this.delegate = delegate;
    }

    @Override
    public void respond(ApiResponse response) {
        delegate.respond(toYaml(response));
    }

    private static ApiResponse toYaml(ApiResponse response) {
        if (!MediaTypes.base(response.contentType()).equals(MediaTypes.JSON) || response.body().length == 0
                || response.headers().containsKey("Content-Encoding")) {
            return response;
        }
        byte[] yaml;
        try {
            yaml = YAML.writeValueAsBytes(Json.MAPPER.readTree(response.body()));
        } catch (JacksonException e) {
            return response;
        }
        return new ApiResponse(response.status(), MediaTypes.YAML, yaml, response.warnings(), response.headers());
    }

    @Override
    public ResponseStream startStream(String contentType, List<String> warnings) {
        return delegate.startStream(contentType, warnings);
    }

    @Override
    public void annotate(String key, String value) {
        delegate.annotate(key, value);
    }

    @Override
    public void identify(UserInfo user) {
        delegate.identify(user);
    }

    @Override
    public io.netty.channel.Channel takeOver() {
        return delegate.takeOver();
    }

    @Override
    public String remoteAddress() {
        return delegate.remoteAddress();
    }
}
