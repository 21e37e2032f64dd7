package io.kaji.support.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ExpiryStatusTest {

    private static final Instant NOW = Instant.parse("2026-11-26T00:00:00Z");

    @ParameterizedTest(name = "{0} h left -> {1}")
    @CsvSource({
            "87600, OK",        // 10 years
            "721, OK",          // 30 days and an hour
            "719, WARNING",     // just under 30 days
            "169, WARNING",     // 7 days and an hour
            "167, CRITICAL",    // just under 7 days
            "1, CRITICAL",
            "0, EXPIRED",
            "-5, EXPIRED"})
    void classifiesByTimeLeft(long hours, ExpiryStatus expected) {
        assertThat(ExpiryStatus.of(NOW.plus(Duration.ofHours(hours)), NOW, Thresholds.DEFAULT)).isEqualTo(expected);
    }

    @Test
    void exitCodesFollowTheMonitoringConvention() {
        assertThat(ExpiryStatus.OK.exitCode()).isZero();
        assertThat(ExpiryStatus.WARNING.exitCode()).isEqualTo(1);
        assertThat(ExpiryStatus.CRITICAL.exitCode()).isEqualTo(2);
        assertThat(ExpiryStatus.EXPIRED.exitCode()).isEqualTo(2);
        assertThat(ExpiryStatus.INVALID.exitCode()).isEqualTo(2);
    }

    @Test
    void customThresholdsAndTheirChecks() {
        Thresholds t = new Thresholds(Duration.ofDays(90), Duration.ofDays(30));
        assertThat(ExpiryStatus.of(NOW.plus(Duration.ofDays(60)), NOW, t)).isEqualTo(ExpiryStatus.WARNING);
        assertThat(ExpiryStatus.of(NOW.plus(Duration.ofDays(20)), NOW, t)).isEqualTo(ExpiryStatus.CRITICAL);
        assertThatThrownBy(() -> new Thresholds(Duration.ofDays(7), Duration.ofDays(30)))
                .hasMessageContaining("must not be longer than the warning threshold");
    }

    @ParameterizedTest(name = "{0} s -> {1}")
    @CsvSource({"-1, <invalid>", "0, <invalid>", "59, 59s", "3599, 59m", "86399, 23h", "31535999, 364d",
            "315360000, 10y"})
    void residualTimeLikeKubeadm(long seconds, String expected) {
        assertThat(ExpiryReport.residual(Duration.ofSeconds(seconds))).isEqualTo(expected);
    }
}
