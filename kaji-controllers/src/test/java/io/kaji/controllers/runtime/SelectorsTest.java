package io.kaji.controllers.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SelectorsTest {

    static Stream<Arguments> cases() {
        Map<String, String> web = Map.of("app", "web", "tier", "front");
        return Stream.of(
                Arguments.of("null selects nothing", null, web, false),
                Arguments.of("empty selects everything", new LabelSelector(), web, true),
                Arguments.of("matchLabels equal", sel(Map.of("app", "web")), web, true),
                Arguments.of("matchLabels differ", sel(Map.of("app", "db")), web, false),
                Arguments.of("matchLabels missing key", sel(Map.of("zone", "a")), web, false),
                Arguments.of("In hit", expr("tier", "In", "front", "back"), web, true),
                Arguments.of("In miss", expr("tier", "In", "back"), web, false),
                Arguments.of("In on absent key", expr("zone", "In", "a"), web, false),
                Arguments.of("NotIn hit", expr("tier", "NotIn", "back"), web, true),
                Arguments.of("NotIn miss", expr("tier", "NotIn", "front"), web, false),
                Arguments.of("NotIn on absent key", expr("zone", "NotIn", "a"), web, true),
                Arguments.of("Exists", expr("app", "Exists"), web, true),
                Arguments.of("Exists absent", expr("zone", "Exists"), web, false),
                Arguments.of("DoesNotExist", expr("zone", "DoesNotExist"), web, true),
                Arguments.of("DoesNotExist present", expr("app", "DoesNotExist"), web, false),
                Arguments.of("unknown operator matches nothing", expr("app", "Sometimes", "web"), web, false),
                Arguments.of("labels null", sel(Map.of("app", "web")), null, false));
    }

    private static LabelSelector sel(Map<String, String> labels) {
        return new LabelSelectorBuilder().withMatchLabels(labels).build();
    }

    private static LabelSelector expr(String key, String op, String... values) {
        return new LabelSelectorBuilder().addNewMatchExpression().withKey(key).withOperator(op)
                .withValues(values).endMatchExpression().build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesLikeKubernetes(String name, LabelSelector selector, Map<String, String> labels, boolean expected) {
        assertThat(Selectors.matches(selector, labels)).isEqualTo(expected);
    }
}
