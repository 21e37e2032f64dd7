package io.kaji.apiserver.encryption;

import io.kaji.store.KeyValue;
import io.kaji.store.RangeRequest;
import io.kaji.store.RangeResult;
import io.kaji.store.RevisionedStore;
import io.kaji.store.WriteResult;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotates the encryption key of a stopped cluster, in Kubernetes' documented order: (1) a new key is added first
 * (the old ones stay, so everything stays readable if this is interrupted), (2) every encrypted resource is
 * rewritten with it, (3) the old keys are dropped. Each configuration is saved before the next step.
 */
public final class KeyRotation {

    private static final Logger LOG = LoggerFactory.getLogger(KeyRotation.class);
    private static final int PAGE = 500;

    /**
     * What a rotation did.
     *
     * @param newKey    the name of the key now writing
     * @param rewritten how many stored objects were re-encrypted
     */
    public record Report(String newKey, int rewritten) {
    }

    private KeyRotation() {
    }

    /**
     * Rotates.
     *
     * @param file        the encryption configuration file the servers read
     * @param rawStore    the store itself (not an {@link EncryptingStore})
     * @param keyPrefixes turns a configuration into its transformer per store key prefix (the server's resources)
     * @param publish     called with each saved configuration (e.g. to update the copy HA servers share)
     */
    public static Report rotate(Path file, RevisionedStore rawStore,
            java.util.function.Function<EncryptionConfiguration, Map<String, ValueTransformer>> keyPrefixes,
            Consumer<EncryptionConfiguration> publish) {
        EncryptionConfiguration current = EncryptionConfiguration.load(file);
        EncryptionConfiguration withNew = current.withNewFirstKey();
        withNew.write(file);
        publish.accept(withNew);
        Map<String, ValueTransformer> transformers = keyPrefixes.apply(withNew);
        EncryptingStore encrypting = new EncryptingStore(rawStore, transformers);
        int rewritten = 0;
        for (Map.Entry<String, ValueTransformer> e : transformers.entrySet()) {
            rewritten += rewrite(rawStore, encrypting, e.getKey(), e.getValue());
        }
        EncryptionConfiguration finished = withNew.withOnlyFirstKey();
        finished.write(file);
        publish.accept(finished);
        String newKey = firstKeyName(finished);
        LOG.info("encryption key rotated to {}: {} objects rewritten", newKey, rewritten);
        return new Report(newKey, rewritten);
    }

    private static int rewrite(RevisionedStore raw, EncryptingStore encrypting, String prefix, ValueTransformer t) {
        int count = 0;
        String after = null;
        while (true) {
            RangeRequest request = RangeRequest.prefix(prefix).withLimit(PAGE);
            RangeResult page = raw.range(after == null ? request : request.withStartAfter(after));
            for (KeyValue kv : page.kvs()) {
                if (t.isStale(kv.value())) {
                    byte[] plain = t.fromStorage(kv.value(), kv.key());
                    WriteResult r = encrypting.update(kv.key(), plain, kv.modRevision());
                    if (!r.succeeded()) {
                        throw new EncryptionException(kv.key() + " changed during the rotation: stop every API "
                                + "server of the cluster and run the rotation again");
                    }
                    count++;
                }
                after = kv.key();
            }
            if (!page.more()) {
                return count;
            }
        }
    }

    private static String firstKeyName(EncryptionConfiguration config) {
        for (EncryptionConfiguration.ResourceRule r : config.rules()) {
            for (EncryptionConfiguration.ProviderConfig p : r.providers()) {
                if (!p.keys().isEmpty()) {
                    return p.keys().getFirst().name();
                }
            }
        }
        return "identity";
    }

    /** For messages: the configuration file of a data dir. */
    public static Path defaultFile(Path dataDir) {
        return dataDir.resolve(EncryptionConfiguration.FILE_NAME);
    }
}
