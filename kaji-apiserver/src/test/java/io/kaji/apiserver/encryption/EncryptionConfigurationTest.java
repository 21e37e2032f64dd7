package io.kaji.apiserver.encryption;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptionConfigurationTest {

    static final String KEY = "/registry/secrets/default/s";
    static final String K1 = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(UTF_8));
    static final String K2 = Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes(UTF_8));

    /** The file as the Kubernetes documentation writes it. */
    static String kubernetesFile(String firstKey, String firstSecret, String secondKey, String secondSecret) {
        return """
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                  - resources:
                      - secrets
                      - configmaps
                    providers:
                      - aesgcm:
                          keys:
                            - name: %s
                              secret: %s
                            - name: %s
                              secret: %s
                      - identity: {}
                """.formatted(firstKey, firstSecret, secondKey, secondSecret);
    }

    static ValueTransformer transformer(String yaml) {
        return EncryptionConfiguration.parse(yaml.getBytes(UTF_8), "test").transformers().getFirst();
    }

    @Test
    void writesWithTheFirstKeyInKubernetesFormatAndReadsWithAnyKey() {
        ValueTransformer t = transformer(kubernetesFile("key1", K1, "key2", K2));
        byte[] stored = t.toStorage("{\"data\":\"x\"}".getBytes(UTF_8), KEY);
        assertThat(new String(stored, 0, 23, UTF_8)).isEqualTo("k8s:enc:aesgcm:v1:key1:");
        assertThat(stored.length).isEqualTo(23 + 12 + 12 + 16); // prefix, nonce, ciphertext, tag
        assertThat(new String(stored, UTF_8)).doesNotContain("data");
        ValueTransformer rotated = transformer(kubernetesFile("key2", K2, "key1", K1));
        assertThat(new String(rotated.fromStorage(stored, KEY), UTF_8)).isEqualTo("{\"data\":\"x\"}");
        assertThat(rotated.isStale(stored)).isTrue();
        assertThat(t.isStale(stored)).isFalse();
        // Plain values from before encryption are read by identity.
        assertThat(new String(t.fromStorage("{}".getBytes(UTF_8), KEY), UTF_8)).isEqualTo("{}");
    }

    @Test
    void theStoreKeyIsAuthenticatedSoValuesCannotBeMovedBetweenKeys() {
        ValueTransformer t = transformer(kubernetesFile("key1", K1, "key2", K2));
        byte[] stored = t.toStorage("v".getBytes(UTF_8), KEY);
        assertThatThrownBy(() -> t.fromStorage(stored, "/registry/secrets/default/other"))
                .isInstanceOf(EncryptionException.class).hasMessageContaining("cannot decrypt with k8s:enc:aesgcm:v1:key1:");
    }

    @Test
    void aValueFromAnUnknownKeyIsAnErrorThatSaysWhatToDo() {
        byte[] stored = transformer(kubernetesFile("old", K1, "key2", K2)).toStorage("v".getBytes(UTF_8), KEY);
        assertThatThrownBy(() -> transformer(kubernetesFile("key3", K2, "key4", K2)).fromStorage(stored, KEY))
                .hasMessage(KEY + " is encrypted with a key this server's encryption configuration does not have "
                        + "(k8s:enc:aesgcm:v1:old:): add that key to the providers");
    }

    @Test
    void aescbcRoundTripsWithItsPrefix() {
        ValueTransformer t = transformer(kubernetesFile("key1", K1, "key2", K2).replace("aesgcm", "aescbc"));
        byte[] stored = t.toStorage("hello".getBytes(UTF_8), KEY);
        assertThat(new String(stored, 0, 23, UTF_8)).isEqualTo("k8s:enc:aescbc:v1:key1:");
        assertThat(new String(t.fromStorage(stored, KEY), UTF_8)).isEqualTo("hello");
    }

    @Test
    void badFilesAreRejectedWithTheirPlace() {
        assertThatThrownBy(() -> transformer(kubernetesFile("key1", "c2hvcnQ=", "key2", K2)))
                .hasMessageContaining("aesgcm key \"key1\" is 5 bytes; AES needs 16, 24 or 32");
        assertThatThrownBy(() -> transformer(kubernetesFile("key1", K1, "key2", K2).replace("aesgcm", "secretbox")))
                .hasMessage("test: resources[0].providers[0]: provider \"secretbox\" is not supported by Kaji "
                        + "(supported: aesgcm, aescbc, identity)");
        assertThatThrownBy(() -> EncryptionConfiguration.parse("kind: Foo".getBytes(UTF_8), "f"))
                .hasMessageContaining("expected apiVersion apiserver.config.k8s.io/v1, kind EncryptionConfiguration");
    }

    @Test
    void generatedFileIsPrivateAndReadsBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(EncryptionConfiguration.FILE_NAME);
        EncryptionConfiguration generated = EncryptionConfiguration.loadOrCreate(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(EncryptionConfiguration.loadOrCreate(file)).isEqualTo(generated);
        assertThat(Files.readString(file)).contains("kind: \"EncryptionConfiguration\"").contains("name: \"key1\"");
        EncryptionConfiguration rotated = generated.withNewFirstKey();
        assertThat(rotated.rules().getFirst().providers().getFirst().keys()).extracting(k -> k.name())
                .containsExactly("key2", "key1");
        assertThat(rotated.withOnlyFirstKey().rules().getFirst().providers().getFirst().keys())
                .extracting(k -> k.name()).containsExactly("key2");
        assertThat(rotated.toString()).doesNotContain(generated.rules().getFirst().providers().getFirst().keys()
                .getFirst().secret());
    }
}
