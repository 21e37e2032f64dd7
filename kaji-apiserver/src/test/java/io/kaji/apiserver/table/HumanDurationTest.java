package io.kaji.apiserver.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HumanDurationTest {

    @ParameterizedTest
    @CsvSource({"-5,<invalid>", "0,0s", "119,119s", "120,2m", "125,2m5s", "600,10m", "10799,179m", "10800,3h",
            "11100,3h5m", "28800,8h", "172800,2d", "176400,2d1h", "691200,8d", "63000000,729d", "63072000,2y", "63158400,2y1d",
            "315360000,10y"})
    void formatsLikeKubernetes(long seconds, String expected) {
        assertThat(HumanDuration.format(Duration.ofSeconds(seconds))).isEqualTo(expected);
    }
}
