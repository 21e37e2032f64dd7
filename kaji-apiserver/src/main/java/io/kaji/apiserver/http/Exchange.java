package io.kaji.apiserver.http;

import java.util.List;

/**
 * The answer side of one request: either one complete response or a stream. Exactly one of
 * {@link #respond} or {@link #startStream} must be called, once.
 */
public interface Exchange {

    void respond(ApiResponse response);

    /** Starts a 200 chunked response with the given Content-Type. */
    ResponseStream startStream(String contentType, List<String> warnings);
}
