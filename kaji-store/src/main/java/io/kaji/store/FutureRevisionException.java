package io.kaji.store;

/** A read asked for a revision newer than the store's current revision. */
public class FutureRevisionException extends StoreException {

    public FutureRevisionException(long requested, long current) {
        super("revision " + requested + " is in the future; the current revision is " + current);
    }
}
