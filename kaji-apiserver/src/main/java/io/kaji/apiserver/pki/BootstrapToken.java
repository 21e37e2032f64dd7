package io.kaji.apiserver.pki;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes bootstrap token {@code <id>.<secret>} (id {@code [a-z0-9]{6}}, secret {@code [a-z0-9]{16}}), kept by
 * the server as the Secret {@code kube-system/bootstrap-token-<id>} of type {@code bootstrap.kubernetes.io/token}.
 * The id is public (it names the Secret and the user {@code system:bootstrap:<id>}); the secret is not, and
 * {@link #toString()} never shows it. As a k3s join token it is written {@code K10<CA sha256>::<id>.<secret>}.
 *
 * @param id     six lower-case letters or digits
 * @param secret sixteen lower-case letters or digits
 */
public record BootstrapToken(String id, String secret) {

    /** The Secret type of bootstrap tokens. */
    public static final String SECRET_TYPE = "bootstrap.kubernetes.io/token";
    /** Bootstrap token Secrets are named this prefix plus the token id. */
    public static final String SECRET_PREFIX = "bootstrap-token-";
    /** The namespace bootstrap token Secrets live in. */
    public static final String NAMESPACE = "kube-system";
    /** The user name prefix of a bootstrap token's identity. */
    public static final String USER_PREFIX = "system:bootstrap:";
    /** The group every bootstrap token authenticates into. */
    public static final String GROUP = "system:bootstrappers";
    // The Secret's data keys (k8s.io/cluster-bootstrap/token/api).
    public static final String KEY_ID = "token-id";
    public static final String KEY_SECRET = "token-secret";
    public static final String KEY_EXPIRATION = "expiration";
    public static final String KEY_DESCRIPTION = "description";
    public static final String KEY_USAGE_AUTHENTICATION = "usage-bootstrap-authentication";
    public static final String KEY_USAGE_SIGNING = "usage-bootstrap-signing";
    public static final String KEY_EXTRA_GROUPS = "auth-extra-groups";

    private static final Pattern TOKEN = Pattern.compile("^([a-z0-9]{6})\\.([a-z0-9]{16})$");
    private static final Pattern ID = Pattern.compile("^[a-z0-9]{6}$");
    /** An extra group must be in the bootstrappers' namespace of groups (Kubernetes' BootstrapGroupPattern). */
    private static final Pattern EXTRA_GROUP = Pattern.compile("^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$");
    private static final String ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

    public BootstrapToken {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(secret, "secret");
        if (!TOKEN.matcher(id + "." + secret).matches()) {
            throw new IllegalArgumentException("a bootstrap token is <6 of [a-z0-9]>.<16 of [a-z0-9]>");
        }
    }

    /** The token if {@code text} is exactly {@code <id>.<secret>}, else empty (never an exception). */
    public static Optional<BootstrapToken> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = TOKEN.matcher(text);
        return m.matches() ? Optional.of(new BootstrapToken(m.group(1), m.group(2))) : Optional.empty();
    }

    /** Whether {@code id} is a well-formed token id (what {@code kaji token delete} accepts). */
    public static boolean isValidId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** Whether {@code group} may be given as an extra group of a bootstrap token. */
    public static boolean isValidExtraGroup(String group) {
        return group != null && EXTRA_GROUP.matcher(group).matches();
    }

    /** A new random token (36 characters of alphabet, from {@link SecureRandom}). */
    public static BootstrapToken generate() {
        SecureRandom random = new SecureRandom();
        return new BootstrapToken(random(random, 6), random(random, 16));
    }

    private static String random(SecureRandom random, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    /** The name of this token's Secret in kube-system. */
    public String secretName() {
        return SECRET_PREFIX + id;
    }

    /** The user this token authenticates as. */
    public String userName() {
        return USER_PREFIX + id;
    }

    /** The bearer credential {@code <id>.<secret>}. */
    public String value() {
        return id + "." + secret;
    }

    /** The k3s-style join token for the CA whose PEM hashes to {@code caHash}: {@code K10<hash>::<id>.<secret>}. */
    public String joinToken(String caHash) {
        return NodeToken.PREFIX + caHash + "::" + value();
    }

    @Override
    public String toString() {
        return id + ".<redacted>";
    }
}
