package io.kaji.node.eviction;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PressureTrackerTest {

    private static final long MI = 1 << 20;
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Map<Signal, Observation> memory(long availableMi) {
        return Map.of(Signal.MEMORY_AVAILABLE, new Observation(availableMi * MI, 1024 * MI));
    }

    @Test
    void conditionHoldsForTheTransitionPeriodAfterTheThresholdIsLastMet() {
        PressureTracker t = new PressureTracker(List.of(Threshold.hard(Signal.MEMORY_AVAILABLE, 100 * MI)),
                Duration.ofSeconds(30));
        assertThat(t.update(memory(500), T0).conditions()).isEmpty();
        PressureTracker.Outcome low = t.update(memory(80), T0.plusSeconds(10));
        assertThat(low.conditions()).containsExactly(PressureCondition.MEMORY);
        assertThat(low.actionable()).hasSize(1);
        // Recovered, but the condition stays until 30 s after the last time the threshold was met.
        PressureTracker.Outcome recovered = t.update(memory(500), T0.plusSeconds(20));
        assertThat(recovered.actionable()).isEmpty();
        assertThat(recovered.conditions()).containsExactly(PressureCondition.MEMORY);
        assertThat(t.update(memory(500), T0.plusSeconds(39)).conditions()).containsExactly(PressureCondition.MEMORY);
        assertThat(t.update(memory(500), T0.plusSeconds(40)).conditions()).isEmpty();
    }

    @Test
    void aMetThresholdStaysMetUntilItsMinimumReclaimIsFreeToo() {
        Threshold hard = Threshold.hard(Signal.MEMORY_AVAILABLE, 100 * MI);
        EvictionConfig config = EvictionConfig.parse("memory.available<100Mi", null, null, "memory.available=50Mi",
                Duration.ZERO, Duration.ofSeconds(10), Duration.ZERO);
        PressureTracker t = new PressureTracker(config);
        assertThat(t.update(memory(120), T0).met()).as("above the threshold, never met: not met").isEmpty();
        assertThat(t.update(memory(90), T0.plusSeconds(10)).actionable()).containsExactly(hard);
        assertThat(t.update(memory(120), T0.plusSeconds(20)).actionable())
                .as("above the threshold, but not by the minimum reclaim: still met").containsExactly(hard);
        assertThat(t.update(memory(149), T0.plusSeconds(30)).met()).containsExactly(hard);
        assertThat(t.update(memory(150), T0.plusSeconds(40)).met()).as("threshold + 50Mi free: resolved").isEmpty();
        assertThat(t.update(memory(120), T0.plusSeconds(50)).met()).as("resolved, then not met again").isEmpty();
    }

    @Test
    void softThresholdSetsTheConditionAtOnceButActsOnlyAfterItsGracePeriod() {
        Threshold soft = new Threshold(Signal.MEMORY_AVAILABLE, 200 * MI, 0, Duration.ofSeconds(60));
        PressureTracker t = new PressureTracker(List.of(soft), Duration.ofSeconds(30));
        PressureTracker.Outcome first = t.update(memory(150), T0);
        assertThat(first.conditions()).containsExactly(PressureCondition.MEMORY);
        assertThat(first.met()).containsExactly(soft);
        assertThat(first.actionable()).isEmpty();
        assertThat(t.update(memory(150), T0.plusSeconds(59)).actionable()).isEmpty();
        assertThat(t.update(memory(150), T0.plusSeconds(60)).actionable()).containsExactly(soft);
        // Crossing back resets the clock of the grace period.
        t.update(memory(300), T0.plusSeconds(61));
        assertThat(t.update(memory(150), T0.plusSeconds(62)).actionable()).isEmpty();
    }

    @Test
    void signalsDriveTheirOwnConditionsAndMissingOnesCountAsNotMet() {
        PressureTracker t = new PressureTracker(List.of(Threshold.hardPercent(Signal.NODEFS_AVAILABLE, 10),
                Threshold.hard(Signal.PID_AVAILABLE, 1000), Threshold.hard(Signal.MEMORY_AVAILABLE, 100 * MI)),
                Duration.ZERO);
        PressureTracker.Outcome o = t.update(Map.of(Signal.NODEFS_AVAILABLE, new Observation(5, 100),
                Signal.PID_AVAILABLE, new Observation(999, 32768)), T0);
        assertThat(o.met()).extracting(Threshold::signal)
                .containsExactly(Signal.NODEFS_AVAILABLE, Signal.PID_AVAILABLE);
        // A zero transition period: the condition is True only in the pass that met it (elapsed 0 < 0 is false).
        assertThat(o.conditions()).isEmpty();
    }
}
