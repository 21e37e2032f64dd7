package io.kaji.apiserver.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CellsTest {

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-26T10:00:00Z", "1970-01-01T00:00:00Z", "2024-02-29T23:59:59Z",
            "1999-12-31T23:59:59Z", "2100-03-01T00:00:01Z"})
    void kubernetesTimestampsReadAsInstantParseReadsThem(String ts) {
        assertThat(Cells.utcSeconds(ts)).isEqualTo(Instant.parse(ts));
        assertThat(Cells.instant(Json.parseTrusted("{\"t\":\"" + ts + "\"}"), "t")).isEqualTo(Instant.parse(ts));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-26T10:00:00.123Z", "2026-11-26T10:00:00+01:00", "2023-02-29T10:00:00Z",
            "2026-13-01T10:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26 10:00:00Z", "2026-1a-26T10:00:00Z"})
    void otherFormsAreLeftToTheFormatter(String ts) {
        assertThat(Cells.utcSeconds(ts)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-26T10:00:00.123Z", "2026-11-26T10:00:00+01:00"})
    void otherValidFormsStillRead(String ts) {
        assertThat(Cells.instant(Json.parseTrusted("{\"t\":\"" + ts + "\"}"), "t"))
                .isEqualTo(java.time.OffsetDateTime.parse(ts).toInstant());
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday", "2023-02-29T10:00:00Z"})
    void invalidTimestampsAreUnknown(String ts) {
        assertThat(Cells.instant(Json.parseTrusted("{\"t\":\"" + ts + "\"}"), "t")).isNull();
    }
}
