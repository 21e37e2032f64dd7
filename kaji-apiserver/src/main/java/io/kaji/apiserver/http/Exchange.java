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

    /**
     * Takes the connection over for a protocol the client asked to upgrade to (pods/exec, attach, portforward), once
     * the upgrade is accepted: the HTTP codecs leave the connection, and from then on the caller writes raw bytes
     * (starting with the 101 response) and closes the channel when done; reading stays paused until the caller
     * resumes it. Call instead of {@link #respond}; null where the exchange has no connection of its own.
     */
    default io.netty.channel.Channel takeOver() {
        return null;
    }

    /** The client's IP address, or null when unknown. */
    default String remoteAddress() {
        return null;
    }
}
