package io.kaji.support.logs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenGeneralizerTest {

    @Test
    void keepsCommonKeysAndBracketsAtDelimiters() {
        assertThat(TokenGeneralizer.generalize("rhost=", "rhost=<*>")).isEqualTo("rhost=<*>");
        assertThat(TokenGeneralizer.generalize("tty=NODEVssh", "tty=:<*>")).isEqualTo("tty=<*>");
        assertThat(TokenGeneralizer.generalize("(uid=<*>)", "LOGIN(uid=<*>)")).isEqualTo("<*>(uid=<*>)");
        assertThat(TokenGeneralizer.generalize("user=root", "user=guest")).isEqualTo("user=<*>");
        assertThat(TokenGeneralizer.generalize("same", "same")).isEqualTo("same");
    }

    @Test
    void neverCutsWords() {
        assertThat(TokenGeneralizer.generalize("Paused", "Passed")).isEqualTo("<*>");
        assertThat(TokenGeneralizer.generalize("connected", "disconnected")).isEqualTo("<*>");
    }

    @Test
    void coversNeedsAValueForEachWildcard() {
        assertThat(TokenGeneralizer.covers("rhost=<*>", "rhost=10.0.0.1")).isTrue();
        assertThat(TokenGeneralizer.covers("rhost=<*>", "rhost=")).isFalse();
        assertThat(TokenGeneralizer.covers("<*>(uid=<*>)", "LOGIN(uid=0)")).isTrue();
        assertThat(TokenGeneralizer.covers("<*>(uid=<*>)", "(uid=0)")).isFalse();
        assertThat(TokenGeneralizer.covers("a<*>b<*>c", "axbyc")).isTrue();
        assertThat(TokenGeneralizer.covers("a<*>b<*>c", "abyc")).isFalse();
        assertThat(TokenGeneralizer.covers("plain", "plain")).isTrue();
    }
}
