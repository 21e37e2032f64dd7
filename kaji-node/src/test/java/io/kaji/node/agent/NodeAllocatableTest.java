package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Quantity;
import io.kaji.node.eviction.EvictionConfig;
import io.kaji.node.eviction.Signal;
import io.kaji.node.eviction.Threshold;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Allocatable as the kubelet computes it, and the reservation flags' syntax. */
class NodeAllocatableTest {

    private static final long GI = 1L << 30;
    private static final long MI = 1L << 20;

    private static Map<String, String> strings(Map<String, Quantity> q) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        q.forEach((k, v) -> out.put(k, v.toString()));
        return out;
    }

    @Test
    void capacityLessBothReservationsAndTheHardEvictionThresholds() {
        NodeAllocatable a = new NodeAllocatable(NodeAllocatable.parseReserved("--system-reserved",
                "cpu=200m,memory=512Mi"), NodeAllocatable.parseReserved("--kube-reserved",
                "cpu=100m,memory=256Mi,ephemeral-storage=1Gi,pid=1000"), EvictionConfig.defaults().thresholds());

        // 2 cores, 8 GiB, a 100 GiB file system; the kubelet's defaults hold back memory.available<100Mi and
        // nodefs.available<10%.
        Map<String, String> out = strings(a.allocatable(2000, 8 * GI, 100 * GI, 110));

        assertThat(out).containsExactly(Map.entry("cpu", "1700m"),
                Map.entry("memory", (8 * GI - 512 * MI - 256 * MI - 100 * MI) / 1024 + "Ki"),
                Map.entry("ephemeral-storage", (100 * GI - GI - 10 * GI) / 1024 + "Ki"),
                Map.entry("pods", "110"));
    }

    @Test
    void nothingReservedNothingHeldBackIsTheCapacity() {
        assertThat(strings(NodeAllocatable.NONE.allocatable(4000, 4 * GI, -1, 110)))
                .as("unknown ephemeral storage is left out")
                .containsExactly(Map.entry("cpu", "4"), Map.entry("memory", 4 * GI / 1024 + "Ki"),
                        Map.entry("pods", "110"));
    }

    @Test
    void softThresholdsHoldNothingBackAndNothingGoesBelowZero() {
        Threshold soft = new Threshold(Signal.MEMORY_AVAILABLE, 2 * GI, 0, Duration.ofMinutes(1));
        NodeAllocatable a = new NodeAllocatable(Map.of("cpu", 3000L), Map.of(), List.of(soft));
        Map<String, String> out = strings(a.allocatable(2000, 4 * GI, -1, 110));
        assertThat(out.get("cpu")).isEqualTo("0");
        assertThat(out.get("memory")).isEqualTo(4 * GI / 1024 + "Ki");
        // A hard threshold larger than the capacity leaves nothing, not a negative figure.
        NodeAllocatable tight = new NodeAllocatable(Map.of(), Map.of(), List.of(Threshold.hard(Signal.MEMORY_AVAILABLE,
                8 * GI)));
        assertThat(strings(tight.allocatable(2000, 4 * GI, -1, 110)).get("memory")).isEqualTo("0");
    }

    @Test
    void reservationsParseAsTheKubeletsFlags() {
        assertThat(NodeAllocatable.parseReserved("--kube-reserved", " cpu=1, memory=1.5Gi ,pid=100"))
                .containsExactly(Map.entry("cpu", 1000L), Map.entry("memory", 3 * GI / 2), Map.entry("pid", 100L));
        assertThat(NodeAllocatable.parseReserved("--kube-reserved", "cpu=0.25")).containsEntry("cpu", 250L);
        assertThat(NodeAllocatable.parseReserved("--kube-reserved", null)).isEmpty();
        assertThat(NodeAllocatable.parseReserved("--kube-reserved", "  ")).isEmpty();
        assertThatThrownBy(() -> NodeAllocatable.parseReserved("--system-reserved", "memory"))
                .hasMessage("--system-reserved: expected RESOURCE=QUANTITY, e.g. cpu=200m,memory=512Mi, got "
                        + "\"memory\"");
        assertThatThrownBy(() -> NodeAllocatable.parseReserved("--system-reserved", "cpu=1,cpu=2"))
                .hasMessage("--system-reserved: cpu is given twice");
        assertThatThrownBy(() -> NodeAllocatable.parseReserved("--system-reserved", "memory=-1Gi"))
                .hasMessage("--system-reserved: memory must not be negative, got -1Gi");
    }

    @Test
    void quantitiesAreWrittenAsTheKubeletWritesThem() {
        assertThat(NodeAllocatable.cpu(2000).toString()).isEqualTo("2");
        assertThat(NodeAllocatable.cpu(1950).toString()).isEqualTo("1950m");
        assertThat(NodeAllocatable.bytes(2048).toString()).isEqualTo("2Ki");
        assertThat(NodeAllocatable.bytes(1000).toString()).isEqualTo("1000");
        assertThat(NodeAllocatable.bytes(0).toString()).isEqualTo("0");
    }
}
