package io.kaji.apiserver.auth;

import java.util.List;
import java.util.Optional;

/**
 * Authenticates a bearer token. Implementations are thread-safe, never log token values, and answer empty for
 * tokens that are not theirs (so that the next one may try).
 */
public interface TokenAuthenticator {

    /**
     * The token's user, or empty.
     *
     * @param audiences the audiences the caller accepts (the API server's own for requests; a TokenReview's
     *                  spec.audiences); tokens without audiences (static tokens) ignore them
     */
    Optional<UserInfo> authenticate(String token, List<String> audiences);
}
