package io.kaji.node.eviction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class EvictionConfigTest {

    @Test
    void defaultsAreTheKubeletsLinuxHardThresholds() {
        EvictionConfig d = EvictionConfig.defaults();
        assertThat(d.thresholds()).extracting(Threshold::toString).containsExactly(
                "memory.available<100Mi", "nodefs.available<10%", "nodefs.inodesFree<5%", "imagefs.available<15%");
        assertThat(d.thresholds()).allMatch(Threshold::isHard);
        assertThat(d.pressureTransitionPeriod()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.monitoringInterval()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void parsesQuantitiesAndPercentages() {
        List<Threshold> t = EvictionConfig.parseHard(" memory.available<1Gi , pid.available<500,imagefs.inodesFree<2.5%");
        assertThat(t).hasSize(3);
        assertThat(t.get(0)).isEqualTo(Threshold.hard(Signal.MEMORY_AVAILABLE, 1L << 30));
        assertThat(t.get(1).quantity()).isEqualTo(500);
        assertThat(t.get(2).quantity(10_000)).isEqualTo(250);
        assertThat(t.get(2).toString()).isEqualTo("imagefs.inodesFree<2.5%");
    }

    @Test
    void aGivenHardListReplacesTheDefaultsAndNoneTurnsHardEvictionOff() {
        EvictionConfig c = EvictionConfig.parse("memory.available<1000000Mi", null, null, Duration.ofSeconds(3),
                Duration.ofSeconds(1), Duration.ZERO);
        assertThat(c.thresholds()).extracting(Threshold::toString).containsExactly("memory.available<1000000Mi");
        assertThat(EvictionConfig.parse("none", null, null, Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO)
                .thresholds()).isEmpty();
        assertThat(EvictionConfig.parse(" ", null, null, Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO)
                .thresholds()).hasSize(4);
    }

    @Test
    void softThresholdsTakeTheirGracePeriods() {
        EvictionConfig c = EvictionConfig.parse("none", "memory.available<1Gi,nodefs.available<20%",
                "memory.available=1m30s,nodefs.available=2m", Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO);
        assertThat(c.thresholds()).extracting(Threshold::gracePeriod)
                .containsExactly(Duration.ofSeconds(90), Duration.ofMinutes(2));
        assertThatThrownBy(() -> EvictionConfig.parse("none", "memory.available<1Gi", null, Duration.ZERO,
                Duration.ofSeconds(1), Duration.ZERO)).hasMessageContaining("no grace period for memory.available");
        assertThatThrownBy(() -> EvictionConfig.parse("none", null, "memory.available=1m", Duration.ZERO,
                Duration.ofSeconds(1), Duration.ZERO)).hasMessageContaining("has a grace period but no soft");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "memory.available>100Mi|expected signal<quantity",
            "memory.free<100Mi|unsupported eviction signal memory.free",
            "memory.available<lots|is not a quantity",
            "memory.available<-1Mi|is negative",
            "nodefs.available<0%|above 0% and at most 100%",
            "nodefs.available<101%|above 0% and at most 100%",
            "memory.available<1Mi,memory.available<2Mi|memory.available is named twice"})
    void rejectsWhatTheKubeletRejects(String spec, String message) {
        assertThatThrownBy(() -> EvictionConfig.parseHard(spec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @ParameterizedTest
    @CsvSource({"5m,300", "1m30s,90", "10s,10", "2h,7200", "0,0"})
    void goDurations(String text, long seconds) {
        assertThat(EvictionConfig.duration(text)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @Test
    void badDurationsSayWhatIsExpected() {
        assertThatThrownBy(() -> EvictionConfig.duration("5 minutes")).hasMessageContaining("e.g. 5m, 1m30s");
    }

    @ParameterizedTest
    @CsvSource({"104857600,100Mi", "2048,2Ki", "1536,1536", "0,0", "1073741824,1Gi", "-2097152,-2Mi"})
    void quantitiesPrintInCanonicalBinaryForm(long bytes, String text) {
        assertThat(Quantities.format(bytes)).isEqualTo(text);
    }

    @Test
    void minimumReclaimIsAQuantityOrAPercentagePerSignal() {
        EvictionConfig c = EvictionConfig.parse(null, null, null,
                "memory.available=0Mi, nodefs.available=500Mi,imagefs.available=5%", Duration.ZERO,
                Duration.ofSeconds(1), Duration.ZERO);
        assertThat(c.minimumReclaim(Signal.MEMORY_AVAILABLE, 1L << 30)).isZero();
        assertThat(c.minimumReclaim(Signal.NODEFS_AVAILABLE, 1L << 40)).isEqualTo(500L << 20);
        assertThat(c.minimumReclaim(Signal.IMAGEFS_AVAILABLE, 1000)).isEqualTo(50);
        assertThat(c.minimumReclaim(Signal.PID_AVAILABLE, 1000)).as("none named").isZero();
        assertThatThrownBy(() -> EvictionConfig.parse(null, null, null, "nodefs.available<500Mi", Duration.ZERO,
                Duration.ofSeconds(1), Duration.ZERO)).hasMessageContaining("expected signal=quantity");
        assertThatThrownBy(() -> EvictionConfig.parse(null, null, null, "disk.free=1Gi", Duration.ZERO,
                Duration.ofSeconds(1), Duration.ZERO)).hasMessageContaining("unsupported eviction signal disk.free");
        assertThatThrownBy(() -> EvictionConfig.parse(null, null, null, "nodefs.available=150%", Duration.ZERO,
                Duration.ofSeconds(1), Duration.ZERO)).hasMessageContaining("between 0% and 100%");
        assertThatThrownBy(() -> EvictionConfig.parse(null, null, null, "nodefs.available=1Gi,nodefs.available=2Gi",
                Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO)).hasMessageContaining("named twice");
    }

    @Test
    void enforcingAllocatableForPodsAddsTheKubeletsAllocatableMemoryThreshold() {
        EvictionConfig c = EvictionConfig.parse("memory.available<100Mi,nodefs.available<10%", "memory.available<1Gi",
                "memory.available=1m", "memory.available=50Mi", Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO);
        EvictionConfig enforced = c.withAllocatableThresholds();
        assertThat(enforced.thresholds()).extracting(Threshold::toString).containsExactly("memory.available<100Mi",
                "nodefs.available<10%", "memory.available<1Gi", "allocatableMemory.available<100Mi");
        assertThat(enforced.thresholds().get(3).isHard()).as("only the hard one is copied").isTrue();
        assertThat(enforced.minimumReclaim(Signal.ALLOCATABLE_MEMORY_AVAILABLE, 1L << 30)).isEqualTo(50L << 20);
        assertThat(enforced.withAllocatableThresholds()).as("once").isEqualTo(enforced);
        assertThat(EvictionConfig.parse("none", null, null, Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO)
                .withAllocatableThresholds().thresholds()).as("no memory threshold, nothing to copy").isEmpty();
    }
}
