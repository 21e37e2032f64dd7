package io.kaji.cli;

import io.kaji.apiserver.pki.BootstrapToken;
import io.kaji.apiserver.pki.NodeToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * A k3s-style join token as {@code kaji agent --token} takes it: {@code K10<sha256 of the cluster CA>::} followed
 * by either the server's node token credentials ({@code server:<secret>}, the contract of
 * {@code <data-dir>/node-token}; the whole text is then the bearer credential) or a bootstrap token
 * {@code <id>.<secret>} from {@code kaji token create} (the bearer credential is the bootstrap token alone).
 * {@link #toString()} never shows the secret.
 *
 * @param caHash the CA hash the server's {@code /cacerts} must match
 * @param bearer what the agent presents until it has its node certificate
 * @param id     the bootstrap token id, or null for the node token
 */
record JoinToken(String caHash, String bearer, String id) {

    /**
     * Parses a K10 token.
     *
     * @throws IllegalArgumentException saying what is wrong (without the secret)
     */
    static JoinToken parse(String text) {
        String t = text == null ? "" : text.trim();
        int sep = t.indexOf("::");
        if (t.startsWith(NodeToken.PREFIX) && sep > 0) {
            var bootstrap = BootstrapToken.parse(t.substring(sep + 2));
            if (bootstrap.isPresent()) {
                String hash = t.substring(NodeToken.PREFIX.length(), sep).toLowerCase(Locale.ROOT);
                if (hash.length() != 64 || !hash.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    throw new IllegalArgumentException("the join token's CA hash is not 64 hex digits (sha256)");
                }
                return new JoinToken(hash, bootstrap.get().value(), bootstrap.get().id());
            }
        }
        NodeToken node = NodeToken.parse(t);
        return new JoinToken(node.caHash(), node.value(), null);
    }

    /** Whether {@code caPem} is the CA this token was issued for. */
    boolean matchesCa(String caPem) {
        return MessageDigest.isEqual(NodeToken.caHash(caPem).getBytes(StandardCharsets.US_ASCII),
                caHash.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return NodeToken.PREFIX + caHash + "::" + (id == null ? "server:<redacted>" : id + ".<redacted>");
    }
}
