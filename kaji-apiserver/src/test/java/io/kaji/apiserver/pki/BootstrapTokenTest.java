package io.kaji.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class BootstrapTokenTest {

    @Test
    void parsesTheKubeadmFormAndNamesItsSecretAndUser() {
        BootstrapToken t = BootstrapToken.parse("abcdef.0123456789abcdef").orElseThrow();
        assertThat(t.id()).isEqualTo("abcdef");
        assertThat(t.secret()).isEqualTo("0123456789abcdef");
        assertThat(t.secretName()).isEqualTo("bootstrap-token-abcdef");
        assertThat(t.userName()).isEqualTo("system:bootstrap:abcdef");
        assertThat(t.value()).isEqualTo("abcdef.0123456789abcdef");
        assertThat(t.joinToken("ff".repeat(32))).isEqualTo("K10" + "ff".repeat(32) + "::abcdef.0123456789abcdef");
        assertThat(t.toString()).isEqualTo("abcdef.<redacted>").doesNotContain(t.secret());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abcdef", "abcdef.", "ABCDEF.0123456789abcdef", "abcde.0123456789abcdef",
            "abcdef.0123456789abcdeff", "abcdef:0123456789abcdef", " abcdef.0123456789abcdef",
            "abcdef.0123456789abcde_", "K10abc::server:secret"})
    void anythingElseIsNotABootstrapToken(String text) {
        assertThat(BootstrapToken.parse(text)).isEmpty();
    }

    @Test
    void generatedTokensAreWellFormedAndDiffer() {
        BootstrapToken a = BootstrapToken.generate();
        BootstrapToken b = BootstrapToken.generate();
        assertThat(BootstrapToken.parse(a.value())).contains(a);
        assertThat(a).isNotEqualTo(b);
        assertThatThrownBy(() -> new BootstrapToken("abc", "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void extraGroupsMustBeBootstrapperGroups() {
        assertThat(BootstrapToken.isValidExtraGroup("system:bootstrappers:kaji:default-node-token")).isTrue();
        assertThat(BootstrapToken.isValidExtraGroup("system:masters")).isFalse();
        assertThat(BootstrapToken.isValidExtraGroup("system:bootstrappers:")).isFalse();
        assertThat(BootstrapToken.isValidExtraGroup("system:bootstrappers:Upper")).isFalse();
    }
}
