package io.kaji.store;

/** A running watch. Closing it stops delivery; it is safe to close twice and from the listener. */
public interface Watch extends AutoCloseable {

    /** The prefix being watched. */
    String prefix();

    @Override
    void close();
}
