package io.kaji.apiserver.encryption;

import io.kaji.apiserver.pki.ClusterBootstrap;
import io.kaji.apiserver.pki.NodeToken;
import io.kaji.store.KeyValue;
import io.kaji.store.RevisionedStore;
import io.kaji.store.WriteResult;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The encryption configuration shared by every API server on one store (HA on etcd), so that all of them write
 * and read Secrets with the same keys: sealed with the node token like the cluster's CA
 * ({@link ClusterBootstrap}), at {@link #KEY}. The first server publishes its file; the others (and itself after a
 * restart) adopt the store's copy into their local file. Stateless; methods block on the store.
 */
public final class SharedEncryptionConfig {

    private static final Logger LOG = LoggerFactory.getLogger(SharedEncryptionConfig.class);

    /** The reserved store key, next to the bootstrap data and outside Kubernetes' {@code /registry/} tree. */
    public static final String KEY = "/kaji/encryption-config";

    private SharedEncryptionConfig() {
    }

    /**
     * Makes {@code file} the cluster's configuration: the store's copy when there is one (written to {@code file}
     * if it differs), else {@code file}'s (generated if missing), published for the other servers.
     *
     * @param nodeToken the cluster's node token text (its secret seals the copy in the store)
     */
    public static EncryptionConfiguration sync(RevisionedStore store, Path file, String nodeToken) {
        String secret = NodeToken.parse(nodeToken).secret();
        Optional<KeyValue> shared = store.get(KEY);
        if (shared.isEmpty()) {
            EncryptionConfiguration local = EncryptionConfiguration.loadOrCreate(file);
            WriteResult r = store.create(KEY, ClusterBootstrap.sealBytes(local.toYaml(), secret));
            if (r.succeeded()) {
                LOG.info("published the encryption configuration {} for the other API servers", file);
                return local;
            }
            shared = Optional.ofNullable(((WriteResult.Conflict) r).current());
            if (shared.isEmpty()) {
                return local;
            }
        }
        EncryptionConfiguration cluster = EncryptionConfiguration.parse(
                ClusterBootstrap.openBytes(shared.get().value(), secret, KEY), "the store's " + KEY);
        if (!java.nio.file.Files.exists(file) || !EncryptionConfiguration.load(file).equals(cluster)) {
            cluster.write(file);
            LOG.info("adopted the cluster's encryption configuration into {}", file);
        }
        return cluster;
    }

    /** Replaces the shared copy (after a key rotation); a no-op where nothing was shared. */
    public static void publish(RevisionedStore store, EncryptionConfiguration config, String nodeToken) {
        String secret = NodeToken.parse(nodeToken).secret();
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<KeyValue> current = store.get(KEY);
            if (current.isEmpty()) {
                return;
            }
            if (store.update(KEY, ClusterBootstrap.sealBytes(config.toYaml(), secret), current.get().modRevision())
                    .succeeded()) {
                return;
            }
        }
        throw new EncryptionException("could not update " + KEY + " in the store: it kept changing; run again");
    }
}
