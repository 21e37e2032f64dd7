package io.kaji.controllers.cronjob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CronScheduleTest {

    static Stream<Arguments> cases() {
        // schedule, after (UTC), expected next (UTC)
        return Stream.of(
                Arguments.of("* * * * *", "2026-01-01T10:00:30Z", "2026-01-01T10:01:00Z"),
                Arguments.of("*/15 * * * *", "2026-01-01T10:01:00Z", "2026-01-01T10:15:00Z"),
                Arguments.of("0 3 * * *", "2026-01-01T10:00:00Z", "2026-01-02T03:00:00Z"),
                Arguments.of("30 9 * * MON-FRI", "2026-01-02T10:00:00Z", "2026-01-05T09:30:00Z"), // Fri -> Mon
                Arguments.of("0 0 1 JAN *", "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z"),
                Arguments.of("0 0 13 * 5", "2026-02-01T00:00:00Z", "2026-02-06T00:00:00Z"),   // Friday or the 13th
                Arguments.of("@hourly", "2026-01-01T10:59:59Z", "2026-01-01T11:00:00Z"),
                Arguments.of("0 0 * * 7", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"),     // 7 is Sunday
                Arguments.of("1-5/2 * * * *", "2026-01-01T10:01:00Z", "2026-01-01T10:03:00Z"),
                Arguments.of("0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"));
    }

    @ParameterizedTest(name = "{0} after {1}")
    @MethodSource("cases")
    void nextFiringTime(String schedule, String after, String expected) {
        ZonedDateTime next = CronSchedule.parse(schedule).next(ZonedDateTime.parse(after), ZoneOffset.UTC);
        assertThat(next.toInstant()).isEqualTo(ZonedDateTime.parse(expected).toInstant());
    }

    @Test
    void theTimeZoneDecidesWhenTheDayStarts() {
        ZoneId tokyo = ZoneId.of("Asia/Tokyo");
        ZonedDateTime next = CronSchedule.parse("0 9 * * *").next(ZonedDateTime.parse("2026-01-01T00:30:00Z"), tokyo);
        assertThat(next.toInstant()).isEqualTo(ZonedDateTime.parse("2026-01-02T00:00:00Z").toInstant());
    }

    @Test
    void badSchedulesNameTheField() {
        assertThatThrownBy(() -> CronSchedule.parse("* * * *")).hasMessageContaining("expected 5 fields");
        assertThatThrownBy(() -> CronSchedule.parse("61 * * * *")).hasMessageContaining("minute \"61\" is outside 0-59");
        assertThatThrownBy(() -> CronSchedule.parse("* * * FOO *")).hasMessageContaining("month \"FOO\" is not a number or a name");
        assertThatThrownBy(() -> CronSchedule.parse("TZ=UTC * * * * *")).hasMessageContaining("spec.timeZone");
        assertThatThrownBy(() -> CronSchedule.parse("*/0 * * * *")).hasMessageContaining("step must be positive");
    }
}
