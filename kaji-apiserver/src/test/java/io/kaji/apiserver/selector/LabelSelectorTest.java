package io.kaji.apiserver.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.errors.ApiException;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LabelSelectorTest {

    static final Map<String, String> LABELS = Map.of("app", "web", "tier", "fe", "env", "prod");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "app=web|true", "app==web|true", "app!=web|false", "app=db|false", "app|true", "!app|false",
            "missing|false", "!missing|true", "app in (web,db)|true", "app notin (web)|false",
            "tier in (fe), env=prod|true", "app=web,tier=be|false", "missing!=x|true", "''|true"})
    void matches(String selector, boolean expected) {
        assertThat(LabelSelector.parse(selector).matches(LABELS)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"app in web", "=x", "app=a b", "a/b/c=d"})
    void rejectsBadSyntax(String selector) {
        assertThatThrownBy(() -> LabelSelector.parse(selector)).isInstanceOf(ApiException.class)
                .hasMessageContaining("unable to parse requirement");
    }
}
