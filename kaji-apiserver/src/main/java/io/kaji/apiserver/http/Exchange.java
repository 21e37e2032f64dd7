package io.kaji.apiserver.http;

import io.kaji.apiserver.auth.UserInfo;
import java.util.List;

/**
 * The answer side of one request: either one complete response or a stream. Exactly one of
 * {@link #respond} or {@link #startStream} must be called, once.
 */
public interface Exchange {

    void respond(ApiResponse response);

    /** Starts a 200 chunked response with the given Content-Type. */
    ResponseStream startStream(String contentType, List<String> warnings);

    /**
     * Adds an annotation to this request's audit event (e.g. {@code pod-security.kubernetes.io/enforce-policy});
     * a later value for the same key replaces the earlier one. Ignored where nothing is audited.
     */
    default void annotate(String key, String value) {
    }

    /** Tells the audit log who sent this request, once authentication knows. Ignored where nothing is audited. */
    default void identify(UserInfo user) {
    }

    /** The client's IP address, or null when unknown. */
    default String remoteAddress() {
        return null;
    }
}
