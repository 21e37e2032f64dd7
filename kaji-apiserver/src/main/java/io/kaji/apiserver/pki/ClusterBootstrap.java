package io.kaji.apiserver.pki;

import io.kaji.store.KeyValue;
import io.kaji.store.RevisionedStore;
import io.kaji.store.WriteResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The cluster's shared secrets in the store, so that several API servers on one etcd are one cluster (k3s calls
 * this "bootstrap data"): the CA certificate and key, the admin token, the node token and the service-account
 * signing key. The first server
 * creates them (its local PKI), seals them and stores them at {@link #KEY} with a create-if-absent write, so of two
 * servers starting at once exactly one wins; every later server opens them with the node token and writes them
 * into its own {@code <data-dir>/pki} and {@code <data-dir>/node-token} before its API server starts. Each server
 * still issues its own serving certificate from the shared CA, for its own addresses.
 *
 * <p>Sealing: AES-256-GCM with a key derived by PBKDF2-HMAC-SHA256 (a random salt per sealing, 100,000 rounds)
 * from the node token's secret; the CA hash and user part of the token are public. A wrong token fails the GCM tag
 * check and is reported as such. Stateless; methods block on the store.
 */
public final class ClusterBootstrap {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterBootstrap.class);

    /** The reserved store key, outside Kubernetes' {@code /registry/} tree. */
    public static final String KEY = "/kaji/bootstrap";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] MAGIC = "KAJIBS1".getBytes(StandardCharsets.US_ASCII);
    private static final int SALT_BYTES = 16;
    private static final int NONCE_BYTES = 12;
    private static final int ROUNDS = 100_000;

    /**
     * The shared secrets.
     *
     * @param caCertPem  the cluster CA certificate (PEM)
     * @param caKeyPem   its private key (PKCS#8 PEM)
     * @param adminToken the admin bearer token
     * @param nodeToken  the whole node token text ({@code K10...})
     * @param saKeyPem   the service-account signing key (PKCS#8 PEM), or null in data stored by older servers
     * @param saPubPem   its public key (PEM), or null likewise
     */
    public record Data(String caCertPem, String caKeyPem, String adminToken, String nodeToken, String saKeyPem,
            String saPubPem) {
        @Override
        public String toString() {
            return "ClusterBootstrap.Data[ca=" + NodeToken.caHash(caCertPem) + ", secrets redacted]";
        }
    }

    /** Raised when the bootstrap data cannot be used; the message says what to do. */
    public static final class BootstrapException extends RuntimeException {
        public BootstrapException(String message) {
            super(message);
        }

        public BootstrapException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private ClusterBootstrap() {
    }

    /**
     * Makes {@code dataDir}'s PKI and node token those of the cluster in {@code store}: loads the sealed data when
     * the store has it (with {@code token}, or else this server's own {@code <data-dir>/node-token} from an earlier
     * start), or creates the PKI here and publishes it when this is the first server.
     *
     * @param token the node token given to a joining server ({@code --token}); null to use the local file or to
     *              bootstrap a new cluster
     * @return the cluster's data, as now written under {@code dataDir}
     * @throws BootstrapException when the token is missing, malformed or wrong, or another server won the race
     */
    public static Data join(RevisionedStore store, Path dataDir, String token) {
        Path pkiDir = dataDir.resolve("pki");
        Path tokenFile = dataDir.resolve(NodeToken.FILE_NAME);
        String usable = token != null ? token.trim() : readIfExists(tokenFile);
        Optional<KeyValue> existing = store.get(KEY);
        if (existing.isPresent()) {
            return adopt(existing.get().value(), usable, token != null, pkiDir, tokenFile);
        }
        if (token != null) {
            throw new BootstrapException("--token was given but the store holds no cluster yet (no " + KEY
                    + "): start the first server without --token; it creates the cluster and its node token");
        }
        // The first server: its PKI (existing or new) becomes the cluster's.
        ClusterPki pki = ClusterPki.loadOrCreate(pkiDir, java.util.List.of());
        NodeToken nodeToken = NodeToken.loadOrCreate(tokenFile, pki.caPem());
        Data data = new Data(pki.caPem(), ClusterPki.pem(pki.caKey()), pki.adminToken(), nodeToken.value(),
                ClusterPki.pem(pki.serviceAccountKey().getPrivate()), ClusterPki.pem(pki.serviceAccountKey().getPublic()));
        WriteResult result = store.create(KEY, seal(data, nodeToken.secret()));
        if (result instanceof WriteResult.Conflict conflict && conflict.current() != null) {
            // Another server stored its data first; ours only opens it if it is the same cluster (a restart).
            LOG.info("another server bootstrapped the cluster first; adopting its data");
            try {
                return adopt(conflict.current().value(), nodeToken.value(), false, pkiDir, tokenFile);
            } catch (BootstrapException e) {
                throw new BootstrapException("another server created the cluster in this store at the same time: "
                        + "start this one again with --token <that server's <data-dir>/node-token>", e);
            }
        }
        LOG.info("bootstrapped a new cluster in the store (CA sha256 {})", NodeToken.caHash(data.caCertPem()));
        return data;
    }

    private static Data adopt(byte[] sealed, String token, boolean given, Path pkiDir, Path tokenFile) {
        if (token == null || token.isEmpty()) {
            throw new BootstrapException("the store already holds a cluster: a joining server needs its node token; "
                    + "start with --token <the first server's <data-dir>/node-token>");
        }
        NodeToken parsed;
        try {
            parsed = NodeToken.parse(token);
        } catch (IllegalArgumentException e) {
            throw new BootstrapException((given ? "--token: " : tokenFile + ": ") + e.getMessage(), e);
        }
        Data data;
        try {
            data = open(sealed, parsed.secret());
        } catch (BootstrapException e) {
            throw new BootstrapException(e.getMessage() + (given ? "; check --token"
                    : "; this server's " + tokenFile + " belongs to another cluster: start with --token <the "
                            + "first server's node-token>"), e);
        }
        if (!parsed.matchesCa(data.caCertPem())) {
            throw new BootstrapException("the node token's CA hash does not match the cluster CA in the store: "
                    + "copy the current <data-dir>/node-token from a server of this cluster");
        }
        write(data, pkiDir, tokenFile);
        LOG.info("joined the cluster in the store (CA sha256 {})", NodeToken.caHash(data.caCertPem()));
        return data;
    }

    /** Writes the cluster's CA, admin token and node token into this server's files (private ones 0600). */
    private static void write(Data data, Path pkiDir, Path tokenFile) {
        try {
            Files.createDirectories(pkiDir);
            String currentCa = readIfExists(pkiDir.resolve("ca.crt"));
            if (!data.caCertPem().trim().equals(currentCa)) {
                // A serving certificate from another CA must be re-issued; ClusterPki does so when it does not verify.
                ClusterPki.writePublic(pkiDir.resolve("ca.crt"), data.caCertPem());
            }
            ClusterPki.writePrivate(pkiDir.resolve("ca.key"), data.caKeyPem());
            ClusterPki.writePrivate(pkiDir.resolve("admin.token"), data.adminToken() + "\n");
            ClusterPki.writePrivate(tokenFile, data.nodeToken() + "\n");
            if (data.saKeyPem() != null && data.saPubPem() != null) {
                // Every server signs and verifies service-account tokens with the same key.
                ClusterPki.writePrivate(pkiDir.resolve("sa.key"), data.saKeyPem());
                ClusterPki.writePublic(pkiDir.resolve("sa.pub"), data.saPubPem());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("write the cluster PKI into " + pkiDir + ": " + e.getMessage(), e);
        }
    }

    /** Seals {@code data} with a key derived from {@code secret}: magic, salt, nonce, AES-GCM ciphertext. */
    public static byte[] seal(Data data, String secret) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("caCert", data.caCertPem());
        doc.put("caKey", data.caKeyPem());
        doc.put("adminToken", data.adminToken());
        doc.put("nodeToken", data.nodeToken());
        if (data.saKeyPem() != null && data.saPubPem() != null) {
            doc.put("saKey", data.saKeyPem());
            doc.put("saPub", data.saPubPem());
        }
        byte[] plain = JSON.writeValueAsBytes(doc);
        try {
            return sealBytes(plain, secret);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /**
     * Seals any cluster-wide data (such as the encryption-at-rest configuration) the way the bootstrap data is
     * sealed, so that servers holding the node token can share it through the store.
     */
    public static byte[] sealBytes(byte[] plain, String secret) {
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[SALT_BYTES];
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(salt);
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key(secret, salt), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(MAGIC);
            byte[] sealed = cipher.doFinal(plain);
            return ByteBuffer.allocate(MAGIC.length + SALT_BYTES + NONCE_BYTES + sealed.length).put(MAGIC).put(salt)
                    .put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK: " + e.getMessage(), e);
        }
    }

    /**
     * Opens what {@link #seal} produced.
     *
     * @throws BootstrapException when the data is not Kaji bootstrap data or {@code secret} is not the one it was
     *                            sealed with
     */
    public static Data open(byte[] sealed, String secret) {
        byte[] plain = openBytes(sealed, secret, KEY);
        try {
            JsonNode doc = JSON.readTree(plain);
            return new Data(text(doc, "caCert"), text(doc, "caKey"), text(doc, "adminToken"), text(doc, "nodeToken"),
                    optional(doc, "saKey"), optional(doc, "saPub"));
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /**
     * Opens what {@link #sealBytes} produced; {@code what} names the data in messages (e.g. its store key).
     *
     * @throws BootstrapException when the data is not sealed Kaji data or {@code secret} is not the one it was
     *                            sealed with
     */
    public static byte[] openBytes(byte[] sealed, String secret, String what) {
        int header = MAGIC.length + SALT_BYTES + NONCE_BYTES;
        if (sealed.length <= header + 16 || !Arrays.equals(Arrays.copyOf(sealed, MAGIC.length), MAGIC)) {
            throw new BootstrapException("the store's " + what + " is not Kaji bootstrap data (unknown format)");
        }
        byte[] salt = Arrays.copyOfRange(sealed, MAGIC.length, MAGIC.length + SALT_BYTES);
        byte[] nonce = Arrays.copyOfRange(sealed, MAGIC.length + SALT_BYTES, header);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key(secret, salt), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(MAGIC);
            return cipher.doFinal(sealed, header, sealed.length - header);
        } catch (AEADBadTagException e) {
            throw new BootstrapException("cannot decrypt the cluster bootstrap data in the store (" + what
                    + ") with this node token: it is not the token of this cluster", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK: " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode doc, String field) {
        JsonNode n = doc.get(field);
        if (n == null || !n.isString()) {
            throw new BootstrapException("the store's " + KEY + " lacks " + field);
        }
        return n.asString();
    }

    private static String optional(JsonNode doc, String field) {
        JsonNode n = doc.get(field);
        return n != null && n.isString() ? n.asString() : null;
    }

    private static SecretKeySpec key(String secret, byte[] salt) throws GeneralSecurityException {
        PBEKeySpec spec = new PBEKeySpec(secret.toCharArray(), salt, ROUNDS, 256);
        try {
            byte[] k = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            return new SecretKeySpec(k, "AES");
        } finally {
            spec.clearPassword();
        }
    }

    private static String readIfExists(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file).trim() : null;
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file + ": " + e.getMessage(), e);
        }
    }
}
