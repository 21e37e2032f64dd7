package io.kaji.apiserver.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * The join token an agent presents to the server, in k3s' "secure" format
 * {@code K10<sha256 hex of the CA certificate PEM>::<user>:<secret>} (the user is {@code server}).
 *
 * <p>The hash lets a joining agent fetch the CA over an unverified connection ({@code GET /cacerts}) and still
 * know it talks to the right cluster; the whole token is then the agent's bootstrap credential, with which it
 * requests its own node certificate. Values are immutable;
 * {@link #toString()} never shows the secret.
 *
 * @param caHash the lower-case sha256 hex of the CA certificate's PEM text, exactly as {@code /cacerts} serves it
 * @param user   the user part ({@code server})
 * @param secret the random secret
 */
public record NodeToken(String caHash, String user, String secret) {

    /** The version prefix of k3s' secure token format. */
    public static final String PREFIX = "K10";
    /** The file the server writes the token to, in its data dir. */
    public static final String FILE_NAME = "node-token";
    /**
     * The identity a request carrying the node token gets: a bootstrap user, as Kubernetes' bootstrap tokens
     * ({@code system:bootstrap:<id>} in {@code system:bootstrappers}), that may only request node certificates.
     */
    public static final String BOOTSTRAP_USER = "system:bootstrap:kaji-node-token";
    public static final String BOOTSTRAP_GROUP = "system:bootstrappers";
    /** The group of node identities (client certificates {@code CN=system:node:<name>}). */
    public static final String GROUP = "system:nodes";

    public NodeToken {
        Objects.requireNonNull(caHash, "caHash");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(secret, "secret");
    }

    /**
     * Parses a token.
     *
     * @throws IllegalArgumentException saying what is wrong with it (without repeating the secret)
     */
    public static NodeToken parse(String token) {
        String t = token == null ? "" : token.trim();
        if (!t.startsWith(PREFIX)) {
            throw new IllegalArgumentException("the node token does not start with " + PREFIX
                    + "; copy it whole from the server's <data-dir>/node-token");
        }
        int sep = t.indexOf("::");
        if (sep < 0) {
            throw new IllegalArgumentException("the node token has no '::' after the CA hash; expected "
                    + PREFIX + "<sha256 hex>::server:<secret>");
        }
        String hash = t.substring(PREFIX.length(), sep).toLowerCase(Locale.ROOT);
        if (hash.length() != 64 || !hash.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("the node token's CA hash is not 64 hex digits (sha256)");
        }
        String credentials = t.substring(sep + 2);
        int colon = credentials.indexOf(':');
        if (colon <= 0 || colon == credentials.length() - 1) {
            throw new IllegalArgumentException("the node token has no <user>:<secret> after '::'");
        }
        return new NodeToken(hash, credentials.substring(0, colon), credentials.substring(colon + 1));
    }

    /** A new token for the CA {@code caPem} with a random 256-bit secret. */
    public static NodeToken generate(String caPem) {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return new NodeToken(caHash(caPem), "server", HexFormat.of().formatHex(b));
    }

    /**
     * Reads the token in {@code file}, or writes a new one (mode 0600). A token whose hash no longer matches
     * {@code caPem} (the CA was re-created) keeps its secret and gets the new hash.
     */
    public static NodeToken loadOrCreate(Path file, String caPem) {
        try {
            if (Files.exists(file)) {
                try {
                    NodeToken existing = parse(Files.readString(file));
                    if (existing.matchesCa(caPem)) {
                        return existing;
                    }
                    NodeToken rehashed = new NodeToken(caHash(caPem), existing.user(), existing.secret());
                    ClusterPki.writePrivate(file, rehashed.value() + "\n");
                    return rehashed;
                } catch (IllegalArgumentException e) {
                    // An unreadable token file is replaced: agents joined with it must be given the new one.
                }
            }
            NodeToken fresh = generate(caPem);
            Files.createDirectories(file.toAbsolutePath().getParent());
            ClusterPki.writePrivate(file, fresh.value() + "\n");
            return fresh;
        } catch (IOException e) {
            throw new UncheckedIOException("node token " + file + ": " + e.getMessage(), e);
        }
    }

    /** The sha256 hex of the CA PEM text (its UTF-8 bytes), as k3s hashes {@code /cacerts}. */
    public static String caHash(String caPem) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(caPem.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** Whether {@code caPem} is the CA this token was issued for. */
    public boolean matchesCa(String caPem) {
        return MessageDigest.isEqual(caHash(caPem).getBytes(StandardCharsets.US_ASCII),
                caHash.getBytes(StandardCharsets.US_ASCII));
    }

    /** The token text: what the server writes and what an agent presents as its bearer token. */
    public String value() {
        return PREFIX + caHash + "::" + user + ":" + secret;
    }

    @Override
    public String toString() {
        return PREFIX + caHash + "::" + user + ":<redacted>";
    }
}
