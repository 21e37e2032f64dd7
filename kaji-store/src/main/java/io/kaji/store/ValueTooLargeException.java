package io.kaji.store;

/** A value over {@link Keys#MAX_VALUE_BYTES}, the same limit etcd applies to a request by default. */
public class ValueTooLargeException extends StoreException {

    public ValueTooLargeException(String key, int size, int limit) {
        super("write " + key + ": value of " + size + " bytes exceeds the limit of " + limit + " bytes");
    }
}
