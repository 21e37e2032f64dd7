package io.kaji.apiserver.encryption;

import java.nio.file.Path;

/**
 * Whether and how the API server encrypts resources at rest.
 *
 * @param enabled    false stores everything as plain JSON (not recommended; for benchmarks and debugging)
 * @param configFile the EncryptionConfiguration to read; null for {@code <data-dir>/encryption-config.yaml},
 *                   generated at first start (AES-GCM for Secrets)
 */
public record EncryptionOptions(boolean enabled, Path configFile) {

    /** Kaji's default: Secrets encrypted with the generated configuration. */
    public static EncryptionOptions defaults() {
        return new EncryptionOptions(true, null);
    }

    /** The configuration file for a server with data dir {@code dataDir}. */
    public Path file(Path dataDir) {
        return configFile != null ? configFile : dataDir.resolve(EncryptionConfiguration.FILE_NAME);
    }

    /** True when the file is Kaji's generated one (which HA servers share through the store). */
    public boolean generated() {
        return configFile == null;
    }
}
