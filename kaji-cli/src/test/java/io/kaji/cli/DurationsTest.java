package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void goStyleDurationsDaysAndBareSeconds() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("2h45m30.5s")).isEqualTo(Duration.ofMillis(((2 * 60 + 45) * 60 + 30) * 1000L + 500));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.parse(" 30 ")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("0")).isZero();
    }

    @Test
    void anythingElseIsRefusedWithTheAcceptedForms() {
        for (String bad : List.of("", "h", "1h 30m", "-1h", "1w", "s1", "1.s", "99999999999999d")) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"" + bad + "\"");
        }
        assertThatThrownBy(() -> Durations.parse("1x")).hasMessage("\"1x\" is not " + Durations.EXAMPLES);
    }
}
