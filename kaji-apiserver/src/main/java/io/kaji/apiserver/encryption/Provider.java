package io.kaji.apiserver.encryption;

/**
 * One key of one encryption provider, as Kubernetes' prefix transformers: values it writes start with
 * {@link #prefix()} (e.g. {@code k8s:enc:aesgcm:v1:key1:}); a stored value with that prefix is read by it.
 * Implementations are immutable and thread-safe.
 */
interface Provider {

    /** The prefix of values this provider writes; empty for identity. */
    String prefix();

    /** The stored bytes for {@code plain}, prefix included; {@code context} (the store key) is authenticated. */
    byte[] seal(byte[] plain, byte[] context);

    /**
     * The plain bytes of {@code stored} (prefix included).
     *
     * @throws EncryptionException when the value does not authenticate or decrypt with this key
     */
    byte[] open(byte[] stored, byte[] context);
}
