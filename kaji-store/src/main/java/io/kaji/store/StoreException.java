package io.kaji.store;

/** Base of every error the store reports. Messages name the key or revision involved. */
public class StoreException extends RuntimeException {

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
