package io.kaji.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Where a change's programming latency is measured from. */
class TriggerTimeTest {

    private static EndpointSlice annotated(String value) {
        EndpointSliceBuilder b = new EndpointSliceBuilder(Fixtures.slice("web", "web-a", 80, "10.42.1.5"));
        return value == null ? b.build() : b.editMetadata().addToAnnotations(ServiceProxy.TRIGGER_TIME_ANNOTATION, value)
                .endMetadata().build();
    }

    @Test
    void theAnnotationIsUsedWhenItChanged() {
        assertThat(ServiceProxy.triggerTime(null, annotated("2026-11-25T22:00:00Z"))).isEqualTo(Instant.parse("2026-11-25T22:00:00Z"));
        assertThat(ServiceProxy.triggerTime(annotated("2026-11-25T21:00:00Z"), annotated("2026-11-25T22:00:00Z")))
                .isEqualTo(Instant.parse("2026-11-25T22:00:00Z"));
    }

    @Test
    void anUnchangedMissingOrUnparsableAnnotationMeansNow() {
        Instant before = Instant.now();
        assertThat(ServiceProxy.triggerTime(annotated("2026-11-25T22:00:00Z"), annotated("2026-11-25T22:00:00Z")))
                .isBetween(before, Instant.now().plus(Duration.ofSeconds(1)));
        assertThat(ServiceProxy.triggerTime(null, annotated(null))).isBetween(before, Instant.now().plus(Duration.ofSeconds(1)));
        assertThat(ServiceProxy.triggerTime(null, annotated("yesterday"))).isBetween(before, Instant.now().plus(Duration.ofSeconds(1)));
    }
}
