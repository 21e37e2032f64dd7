package io.kaji.apiserver.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenFileTest {

    @Test
    void readsKubernetesCsvWithQuotedGroups() {
        var tokens = TokenFile.parse("""
                t1,jane,uid-1,"devs,ops"
                t2,joe,uid-2

                t3,bot,uid-3,single
                ,empty,uid-4
                """, "tokens.csv");
        assertThat(tokens).containsOnlyKeys("t1", "t2", "t3");
        assertThat(tokens.get("t1").name()).isEqualTo("jane");
        assertThat(tokens.get("t1").uid()).isEqualTo("uid-1");
        assertThat(tokens.get("t1").groups()).containsExactly("devs", "ops");
        assertThat(tokens.get("t2").groups()).isEmpty();
        assertThat(tokens.get("t3").groups()).containsExactly("single");
    }

    @Test
    void aLineWithFewerThanThreeColumnsIsAnError() {
        assertThatThrownBy(() -> TokenFile.parse("t1,jane\n", "tokens.csv"))
                .hasMessage("token file 'tokens.csv' must have at least 3 columns (token, user name, user uid), "
                        + "found 2");
    }

    @Test
    void staticTokensMatchOnlyTheWholeToken() {
        StaticTokens tokens = new StaticTokens().addAll(TokenFile.parse("secret,jane,1\n", "f"));
        assertThat(tokens.authenticate("secret", List.of())).hasValueSatisfying(u -> assertThat(u.name())
                .isEqualTo("jane"));
        assertThat(tokens.authenticate("secre", List.of())).isEmpty();
        assertThat(tokens.authenticate("secret ", List.of())).isEmpty();
    }
}
