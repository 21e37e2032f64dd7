package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.node.probe.ProbeKind;
import io.kaji.node.probe.ProbeOutcome;
import org.junit.jupiter.api.Test;

/** The kubelet's event messages for probe runs. */
class ProbeEventsTest {

    @Test
    void messages() {
        assertThat(ProbeEvents.message(ProbeKind.LIVENESS, ProbeOutcome.failure("HTTP probe failed with statuscode: 500")))
                .isEqualTo("Liveness probe failed: HTTP probe failed with statuscode: 500");
        assertThat(ProbeEvents.message(ProbeKind.READINESS, ProbeOutcome.error("strconv.Atoi: parsing \"http\": "
                + "invalid syntax"))).isEqualTo("Readiness probe errored and resulted in unknown state: "
                + "strconv.Atoi: parsing \"http\": invalid syntax");
        assertThat(ProbeEvents.message(ProbeKind.STARTUP, ProbeOutcome.warning("Probe terminated redirects, Response "
                + "body: moved"))).isEqualTo("Startup probe warning: Probe terminated redirects, Response body: moved");
    }
}
