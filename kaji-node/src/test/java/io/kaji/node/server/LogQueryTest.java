package io.kaji.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class LogQueryTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    @Test
    void defaultsSendEverythingOnce() {
        LogQuery q = LogQuery.parse(Map.of(), NOW);
        assertThat(q.previous()).isFalse();
        assertThat(q.options().follow()).isFalse();
        assertThat(q.options().tailLines()).isEqualTo(-1);
        assertThat(q.options().limitBytes()).isEqualTo(-1);
        assertThat(q.options().since()).isNull();
        assertThat(q.options().timestamps()).isFalse();
    }

    @Test
    void parsesEveryParameter() {
        LogQuery q = LogQuery.parse(AgentServer.query(
                "follow=true&previous=1&tailLines=5&limitBytes=100&sinceSeconds=60&timestamps=true"), NOW);
        assertThat(q.previous()).isTrue();
        assertThat(q.options().follow()).isTrue();
        assertThat(q.options().tailLines()).isEqualTo(5);
        assertThat(q.options().limitBytes()).isEqualTo(100);
        assertThat(q.options().since()).isEqualTo(Instant.parse("2026-01-01T11:59:00Z"));
        assertThat(q.options().timestamps()).isTrue();
        assertThat(LogQuery.parse(AgentServer.query("sinceTime=2026-01-01T13%3A00%3A00%2B02%3A00"), NOW).options()
                .since()).isEqualTo(Instant.parse("2026-01-01T11:00:00Z"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "tailLines=-1|tailLines: Invalid value: -1: must be greater than or equal to 0",
            "limitBytes=0|limitBytes: Invalid value: 0: must be greater than 0",
            "sinceSeconds=0|sinceSeconds: Invalid value: 0: must be greater than 0",
            "sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z|at most one of sinceTime or sinceSeconds may be specified",
            "sinceTime=yesterday|sinceTime: Invalid value: \"yesterday\": not an RFC 3339 time",
            "tailLines=many|tailLines: Invalid value: \"many\": not an integer",
            "follow=maybe|follow: Invalid value: \"maybe\": not a boolean"})
    void refusesWhatPodLogOptionsRefuses(String query, String message) {
        assertThatThrownBy(() -> LogQuery.parse(AgentServer.query(query), NOW)).hasMessage(message);
    }
}
