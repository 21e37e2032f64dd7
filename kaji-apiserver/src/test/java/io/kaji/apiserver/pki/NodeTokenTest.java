package io.kaji.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeTokenTest {

    static final String CA = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
    static final String HASH = "a".repeat(64);

    @Test
    void parsesK3sSecureFormat() {
        NodeToken t = NodeToken.parse("  K10" + HASH + "::server:s3cret:with:colons\n");
        assertThat(t.caHash()).isEqualTo(HASH);
        assertThat(t.user()).isEqualTo("server");
        assertThat(t.secret()).isEqualTo("s3cret:with:colons");
        assertThat(t.value()).isEqualTo("K10" + HASH + "::server:s3cret:with:colons");
        assertThat(t.toString()).doesNotContain("s3cret");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "abc|does not start with K10",
            "K10abc::server:x|not 64 hex digits",
            "K10" + "zz" + "|no '::'",
            "K10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa::server|no <user>:<secret>",
            "K10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa::server:|no <user>:<secret>",
            "K10gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg::server:x|not 64 hex digits"})
    void refusesMalformedTokensSayingWhy(String token, String message) {
        assertThatThrownBy(() -> NodeToken.parse(token)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void hashIsSha256OfThePemText() {
        // sha256("abc"), a published test vector.
        assertThat(NodeToken.caHash("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        NodeToken t = NodeToken.generate(CA);
        assertThat(t.matchesCa(CA)).isTrue();
        assertThat(t.matchesCa(CA.replace("fake", "other"))).isFalse();
        assertThat(t.secret()).hasSize(64).isNotEqualTo(NodeToken.generate(CA).secret());
    }

    @Test
    void loadOrCreateWritesOnceOwnerOnlyAndRehashesForANewCa(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("node-token");
        NodeToken first = NodeToken.loadOrCreate(file, CA);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).isEqualTo(first.value() + "\n");
        assertThat(NodeToken.loadOrCreate(file, CA)).isEqualTo(first);

        String newCa = CA.replace("fake", "new");
        NodeToken rehashed = NodeToken.loadOrCreate(file, newCa);
        assertThat(rehashed.secret()).isEqualTo(first.secret());
        assertThat(rehashed.matchesCa(newCa)).isTrue();
        assertThat(NodeToken.parse(Files.readString(file))).isEqualTo(rehashed);

        Files.writeString(file, "garbage");
        assertThat(NodeToken.loadOrCreate(file, CA).matchesCa(CA)).isTrue();
    }
}
