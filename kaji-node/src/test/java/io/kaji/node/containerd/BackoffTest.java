package io.kaji.node.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(1));

    @ParameterizedTest
    @CsvSource({"0,1", "1,1", "2,2", "3,4", "4,8", "5,10", "50,10"})
    void doublesUpToTheMaximum(int failures, int seconds) {
        assertThat(backoff.delay(failures)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @Test
    void rejectsMaximumBelowInitial() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initial <= max");
    }
}
