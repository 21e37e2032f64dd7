package io.kaji.store;

/**
 * Rules for keys and values, shared by every implementation so that a key valid in one store is valid
 * in all of them.
 *
 * <p>Keys are absolute paths of printable ASCII ({@code /registry/pods/default/web-1}): Kubernetes object
 * keys are, and restricting them keeps byte order, SQL text order and Java string order identical.
 */
public final class Keys {

    /**
     * The largest value: etcd's default {@code --max-request-bytes} (1.5 MiB) less 4 KiB for the key and the
     * request's framing, so that every value the SQLite store accepts also fits into a default etcd.
     */
    public static final int MAX_VALUE_BYTES = 1536 * 1024 - 4096;

    /** Longest key accepted. Kubernetes keys stay far below this. */
    public static final int MAX_KEY_LENGTH = 2048;

    private Keys() {
    }

    /** Checks a key for a single-key operation; throws {@link InvalidKeyException} naming the problem. */
    public static void validate(String key) {
        check(key, "key");
        if (key.endsWith("/")) {
            throw new InvalidKeyException("key \"" + key + "\" must not end with '/'");
        }
    }

    /** Checks a prefix for a range or watch; {@code "/"} (everything) is allowed. */
    public static void validatePrefix(String prefix) {
        check(prefix, "prefix");
    }

    /** Checks a value's size for {@code key}; throws {@link ValueTooLargeException}. */
    public static void validateValue(String key, byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("write " + key + ": value must not be null");
        }
        if (value.length > MAX_VALUE_BYTES) {
            throw new ValueTooLargeException(key, value.length, MAX_VALUE_BYTES);
        }
    }

    /** The smallest key greater than every key that starts with {@code prefix} (etcd's range end). */
    public static String prefixEnd(String prefix) {
        char last = prefix.charAt(prefix.length() - 1);
        // Keys are printable ASCII, so the last character is at most '~' and incrementing it cannot overflow.
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }

    private static void check(String key, String what) {
        if (key == null || key.isEmpty()) {
            throw new InvalidKeyException(what + " must not be empty");
        }
        if (key.charAt(0) != '/') {
            throw new InvalidKeyException(what + " \"" + shorten(key) + "\" must start with '/'");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw new InvalidKeyException(what + " \"" + shorten(key) + "\" is " + key.length()
                    + " characters long; the limit is " + MAX_KEY_LENGTH);
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new InvalidKeyException(what + " \"" + shorten(key) + "\" has a character keys may not hold"
                        + " at position " + i + " (code " + (int) c + "); keys are printable ASCII without spaces");
            }
        }
        if (key.contains("//")) {
            throw new InvalidKeyException(what + " \"" + shorten(key) + "\" has an empty path segment");
        }
    }

    private static String shorten(String key) {
        String printable = key.replaceAll("[^\\x21-\\x7e]", "?");
        return printable.length() <= 120 ? printable : printable.substring(0, 117) + "...";
    }
}
