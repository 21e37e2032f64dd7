package io.kaji.apiserver.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WorkloadColumnsTest {

    private static Object status(String conditions) {
        Column status = WorkloadColumns.jobs().stream().filter(c -> c.name().equals("Status")).findFirst()
                .orElseThrow();
        return status.cell().compute(Json.parseTrusted("""
                {"metadata":{"name":"j"},"status":{"conditions":%s}}""".formatted(conditions)), Instant.EPOCH);
    }

    @Test
    void aJobsStatusFollowsThePrintersPrecedenceNotTheConditionsOrder() {
        assertThat(status("""
                [{"type":"SuccessCriteriaMet","status":"True"},{"type":"Complete","status":"True"}]"""))
                .isEqualTo("Complete");
        assertThat(status("""
                [{"type":"FailureTarget","status":"True"},{"type":"Failed","status":"True"}]"""))
                .isEqualTo("Failed");
        assertThat(status("""
                [{"type":"SuccessCriteriaMet","status":"True"}]""")).isEqualTo("SuccessCriteriaMet");
        assertThat(status("""
                [{"type":"Suspended","status":"False"}]""")).isEqualTo("Running");
    }
}
