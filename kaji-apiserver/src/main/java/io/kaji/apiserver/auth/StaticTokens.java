package io.kaji.apiserver.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fixed bearer tokens: the admin token, the node join token and the entries of a token file. Tokens are kept and
 * looked up by their SHA-256 digest, so neither the table nor the lookup time reveals a token. Thread-safe.
 */
public final class StaticTokens implements TokenAuthenticator {

    private final Map<String, UserInfo> byDigest = new ConcurrentHashMap<>();

    /** Accepts {@code token} as {@code user}; a later call for the same token replaces the user. */
    public StaticTokens add(String token, UserInfo user) {
        byDigest.put(digest(token), user);
        return this;
    }

    /** Accepts every token of a token file. */
    public StaticTokens addAll(Map<String, UserInfo> tokens) {
        tokens.forEach(this::add);
        return this;
    }

    @Override
    public Optional<UserInfo> authenticate(String token, List<String> audiences) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(byDigest.get(digest(token)));
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
