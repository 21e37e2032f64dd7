package io.kaji.apiserver.http;

/**
 * A streaming (chunked) response in progress, used by watches. Writes never block: they are queued on the
 * connection. Thread-safe.
 */
public interface ResponseStream {

    /** Sends one chunk and flushes it. Returns false when the connection is gone or too far behind. */
    boolean write(byte[] chunk);

    /** Ends the response cleanly (last chunk). Safe to call twice. */
    void end();

    /** True once the client went away or {@link #end()} was called. */
    boolean closed();

    /** Runs {@code action} once when the stream ends for any reason (immediately if it already has). */
    void onClose(Runnable action);
}
