package io.kaji.store;

/** A key or prefix that is empty, not absolute, too long, or contains characters keys may not hold. */
public class InvalidKeyException extends StoreException {

    public InvalidKeyException(String message) {
        super(message);
    }
}
