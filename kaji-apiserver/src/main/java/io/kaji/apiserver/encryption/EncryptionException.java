package io.kaji.apiserver.encryption;

import io.kaji.store.StoreException;

/**
 * A stored value that cannot be decrypted (wrong or missing key) or a configuration that cannot be used. Extends
 * {@link StoreException} so that the API server answers 500 with this message instead of failing the request
 * thread.
 */
public final class EncryptionException extends StoreException {

    public EncryptionException(String message) {
        super(message);
    }

    public EncryptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
