package io.kaji.apiserver.encryption;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The providers of one resource rule, in configuration order: values are written with the first, read with the
 * one whose prefix they carry. Identity (no prefix) reads any value that is not encrypted, so that a store written
 * before encryption was enabled stays readable. Immutable and thread-safe.
 */
public final class ValueTransformer {

    private static final byte[] ENCRYPTED_MARK = "k8s:enc:".getBytes(StandardCharsets.US_ASCII);

    private final List<Provider> providers;

    ValueTransformer(List<Provider> providers) {
        if (providers.isEmpty()) {
            throw new EncryptionException("a resource rule needs at least one provider");
        }
        this.providers = List.copyOf(providers);
    }

    /** The bytes to store for {@code plain} under store key {@code key}. */
    public byte[] toStorage(byte[] plain, String key) {
        return providers.getFirst().seal(plain, key.getBytes(StandardCharsets.UTF_8));
    }

    /** True when values are written encrypted (the first provider is not identity). */
    public boolean encrypts() {
        return !providers.getFirst().prefix().isEmpty();
    }

    /**
     * The plain bytes of a value stored under {@code key}.
     *
     * @throws EncryptionException when no configured key can read it
     */
    public byte[] fromStorage(byte[] stored, String key) {
        byte[] context = key.getBytes(StandardCharsets.UTF_8);
        Provider identity = null;
        for (Provider p : providers) {
            if (p.prefix().isEmpty()) {
                identity = p;
            } else if (startsWith(stored, p.prefix().getBytes(StandardCharsets.US_ASCII))) {
                return p.open(stored, context);
            }
        }
        if (startsWith(stored, ENCRYPTED_MARK)) {
            throw new EncryptionException(key + " is encrypted with a key this server's encryption configuration "
                    + "does not have (" + describe(stored) + "): add that key to the providers");
        }
        if (identity == null) {
            throw new EncryptionException(key + " is stored unencrypted but the encryption configuration has no "
                    + "identity provider to read it: add '- identity: {}' as the last provider");
        }
        return stored;
    }

    /** True when {@code stored} is written with another key than the first one (a rewrite would re-encrypt it). */
    public boolean isStale(byte[] stored) {
        String first = providers.getFirst().prefix();
        if (first.isEmpty()) {
            return startsWith(stored, ENCRYPTED_MARK);
        }
        return !startsWith(stored, first.getBytes(StandardCharsets.US_ASCII));
    }

    private static String describe(byte[] stored) {
        int colons = 0;
        int end = 0;
        while (end < stored.length && end < 120 && colons < 5) {
            if (stored[end++] == ':') {
                colons++;
            }
        }
        return new String(stored, 0, end, StandardCharsets.US_ASCII);
    }

    private static boolean startsWith(byte[] value, byte[] prefix) {
        if (value.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (value[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static Provider identity() {
        return new Provider() {
            @Override
            public String prefix() {
                return "";
            }

            @Override
            public byte[] seal(byte[] plain, byte[] context) {
                return plain;
            }

            @Override
            public byte[] open(byte[] stored, byte[] context) {
                return stored;
            }
        };
    }
}
