package io.kaji.node.eviction;

import static io.kaji.node.eviction.EvictionFixtures.MI;
import static io.kaji.node.eviction.EvictionFixtures.memory;
import static io.kaji.node.eviction.EvictionFixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.kaji.controllers.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EvictionManagerTest {

    record Kill(Pod pod, PodStatus status, Duration grace) {
    }

    private final Map<Signal, Observation> observed = new EnumMap<>(Signal.class);
    private final List<Pod> pods = new ArrayList<>();
    private final Map<String, PodUsage> usage = new java.util.HashMap<>();
    private final List<Kill> kills = new ArrayList<>();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    private EvictionManager manager(EvictionConfig config) {
        return new EvictionManager("n1", config, () -> Map.copyOf(observed), () -> List.copyOf(pods),
                () -> Map.copyOf(usage), (p, s, g) -> kills.add(new Kill(p, s, g)), null, clock);
    }

    @Test
    void evictsOnePodPerPassBestEffortFirstAndSkipsCriticalPods() {
        EvictionManager m = manager(EvictionConfig.parse("memory.available<100Mi", null, null,
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ZERO));
        AtomicInteger changes = new AtomicInteger();
        m.onConditionsChanged(changes::incrementAndGet);
        observed.put(Signal.MEMORY_AVAILABLE, new Observation(500 * MI, 1024 * MI));
        pods.add(pod("critical", null, null, 2_000_001_000));
        pods.add(pod("guaranteed", "10Mi", "10Mi", null));
        pods.add(pod("besteffort", null, null, null));
        pods.add(new PodBuilder(pod("done", null, null, null)).editStatus().withPhase("Succeeded").endStatus().build());
        usage.put("critical", memory(900));
        usage.put("guaranteed", memory(5));
        usage.put("besteffort", memory(50));
        usage.put("done", memory(999));

        assertThat(m.synchronize()).isEmpty();
        assertThat(m.conditions()).isEmpty();

        observed.put(Signal.MEMORY_AVAILABLE, new Observation(80 * MI, 1024 * MI));
        clock.advance(Duration.ofSeconds(10));
        assertThat(m.synchronize()).map(p -> p.getMetadata().getName()).contains("besteffort");
        assertThat(m.conditions()).containsExactly(PressureCondition.MEMORY);
        assertThat(changes).hasValue(1);
        Kill kill = kills.get(0);
        assertThat(kill.grace()).isEqualTo(Duration.ofSeconds(1));
        assertThat(kill.status().getReason()).isEqualTo("Evicted");
        assertThat(kill.status().getMessage()).isEqualTo("The node was low on resource: memory. Threshold quantity: "
                + "100Mi, available: 80Mi. Container c was using 50Mi, request is 0, has larger consumption of memory. ");

        // The pod list may still show the evicted pod running (a stale cache): it is not evicted twice.
        clock.advance(Duration.ofSeconds(10));
        assertThat(m.synchronize()).map(p -> p.getMetadata().getName()).contains("guaranteed");
        pods.removeIf(p -> p.getMetadata().getName().equals("guaranteed"));
        pods.removeIf(p -> p.getMetadata().getName().equals("besteffort"));
        clock.advance(Duration.ofSeconds(10));
        assertThat(m.synchronize()).isEmpty();
        assertThat(kills).hasSize(2);

        // Pressure gone: the condition stays for the transition period, then clears.
        observed.put(Signal.MEMORY_AVAILABLE, new Observation(500 * MI, 1024 * MI));
        clock.advance(Duration.ofSeconds(10));
        m.synchronize();
        assertThat(m.conditions()).containsExactly(PressureCondition.MEMORY);
        clock.advance(Duration.ofSeconds(30));
        m.synchronize();
        assertThat(m.conditions()).isEmpty();
        assertThat(changes).hasValue(2);
    }

    @Test
    void softThresholdsWaitAndUseTheCappedPodGracePeriod() {
        EvictionManager m = manager(EvictionConfig.parse("none", "memory.available<200Mi", "memory.available=30s",
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(20)));
        observed.put(Signal.MEMORY_AVAILABLE, new Observation(150 * MI, 1024 * MI));
        pods.add(new PodBuilder(pod("slow", null, null, null)).editSpec().withTerminationGracePeriodSeconds(60L)
                .endSpec().build());
        usage.put("slow", memory(10));
        assertThat(m.synchronize()).isEmpty();
        assertThat(m.conditions()).containsExactly(PressureCondition.MEMORY);
        clock.advance(Duration.ofSeconds(30));
        assertThat(m.synchronize()).isPresent();
        assertThat(kills.get(0).grace()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void podsNearingTheirCgroupsCapAreEvictedForMemoryWhileTheNodeHasSome() {
        EvictionManager m = manager(EvictionConfig.parse("memory.available<100Mi", null, null,
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ZERO).withAllocatableThresholds());
        observed.put(Signal.MEMORY_AVAILABLE, new Observation(600 * MI, 1024 * MI));
        observed.put(Signal.ALLOCATABLE_MEMORY_AVAILABLE, new Observation(80 * MI, 512 * MI));
        pods.add(pod("guaranteed", "10Mi", "10Mi", null));
        pods.add(pod("besteffort", null, null, null));
        usage.put("guaranteed", memory(5));
        usage.put("besteffort", memory(400));
        assertThat(m.synchronize()).map(p -> p.getMetadata().getName()).contains("besteffort");
        assertThat(m.conditions()).containsExactly(PressureCondition.MEMORY);
        assertThat(kills.get(0).status().getMessage()).startsWith("The node was low on resource: memory. Threshold "
                + "quantity: 100Mi, available: 80Mi.");
    }

    @Test
    void nodeFileSystemPressureRanksByLogsAndLocalVolumesTooNotOnlyWritableLayers() {
        EvictionManager m = manager(EvictionConfig.parse("nodefs.available<10%", null, null,
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ZERO));
        m.localStorage(new LocalStorage.Usage() {
            @Override
            public long volume(Pod pod, io.fabric8.kubernetes.api.model.Volume volume) {
                return pod.getMetadata().getName().equals("logger") ? 300 * MI : 0;
            }

            @Override
            public long logs(Pod pod, String container) {
                return pod.getMetadata().getName().equals("logger") ? 200 * MI : 0;
            }
        });
        observed.put(Signal.NODEFS_AVAILABLE, new Observation(5, 100));
        pods.add(pod("layer", null, null, null));
        pods.add(new PodBuilder(pod("logger", null, null, null)).editSpec().addNewVolume().withName("scratch")
                .withNewEmptyDir().endEmptyDir().endVolume().endSpec().build());
        usage.put("layer", new PodUsage(Map.of("c", new PodUsage.ContainerFigures(0, 400 * MI))));
        usage.put("logger", new PodUsage(Map.of("c", new PodUsage.ContainerFigures(0, 10 * MI))));
        // Writable layers alone would pick "layer" (400Mi); with logs and volumes "logger" holds 510Mi.
        assertThat(m.synchronize()).map(p -> p.getMetadata().getName()).contains("logger");
        assertThat(kills.get(0).status().getMessage()).contains("Container c was using 210Mi");
    }

    @Test
    void memoryIsReclaimedBeforeDisk() {
        EvictionManager m = manager(EvictionConfig.parse("memory.available<100Mi,nodefs.available<10%", null, null,
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ZERO));
        observed.put(Signal.NODEFS_AVAILABLE, new Observation(1, 100));
        observed.put(Signal.MEMORY_AVAILABLE, new Observation(1, 1024 * MI));
        pods.add(pod("a", null, null, null));
        m.synchronize();
        assertThat(kills.get(0).status().getMessage()).startsWith("The node was low on resource: memory.");
        assertThat(m.conditions()).containsExactlyInAnyOrder(PressureCondition.MEMORY, PressureCondition.DISK);
    }

    @Test
    void diskPressureReclaimsNodeLevelResourcesBeforeEvictingPods() {
        EvictionManager m = manager(EvictionConfig.parse("memory.available<100Mi,imagefs.available<15%", null, null,
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ZERO));
        List<Signal> reclaimed = new ArrayList<>();
        long[] freeable = {20};
        m.reclaimer(signal -> {
            reclaimed.add(signal);
            // Removing images frees what the image file system's next observation shows.
            Observation before = observed.get(Signal.IMAGEFS_AVAILABLE);
            observed.put(Signal.IMAGEFS_AVAILABLE, new Observation(before.available() + freeable[0], 100));
            long freed = freeable[0];
            freeable[0] = 0;
            return freed;
        });
        pods.add(pod("a", null, null, null));
        observed.put(Signal.MEMORY_AVAILABLE, new Observation(500 * MI, 1024 * MI));
        observed.put(Signal.IMAGEFS_AVAILABLE, new Observation(10, 100));

        // Images freed 20 of 100: 30 available is above 15%, so no pod goes; the condition was still observed.
        assertThat(m.synchronize()).isEmpty();
        assertThat(reclaimed).containsExactly(Signal.IMAGEFS_AVAILABLE);
        assertThat(m.conditions()).containsExactly(PressureCondition.DISK);
        assertThat(kills).isEmpty();

        // Nothing left to reclaim: the threshold is still met after reclaiming, so a pod is evicted.
        observed.put(Signal.IMAGEFS_AVAILABLE, new Observation(5, 100));
        clock.advance(Duration.ofSeconds(10));
        assertThat(m.synchronize()).map(p -> p.getMetadata().getName()).contains("a");
        assertThat(reclaimed).hasSize(2);
    }

    @Test
    void nodeLevelReclaimMustFreeTheMinimumReclaimTooAndEvictionGoesOnUntilItIsFree() {
        EvictionManager m = manager(EvictionConfig.parse("imagefs.available<15%", null, null, "imagefs.available=10%",
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ZERO));
        m.reclaimer(signal -> {
            // Images freed: 20 available of 100, above the 15 % threshold but not above 15 % + 10 %.
            observed.put(Signal.IMAGEFS_AVAILABLE, new Observation(20, 100));
            return 10;
        });
        pods.add(pod("a", null, null, null));
        pods.add(pod("b", null, null, null));
        observed.put(Signal.IMAGEFS_AVAILABLE, new Observation(10, 100));
        assertThat(m.synchronize()).as("short of the minimum reclaim: a pod goes").isPresent();
        // The next pass sees 20 available: above the threshold, still met until 25 are free.
        clock.advance(Duration.ofSeconds(10));
        assertThat(m.synchronize()).as("a second pod goes").isPresent();
        observed.put(Signal.IMAGEFS_AVAILABLE, new Observation(25, 100));
        clock.advance(Duration.ofSeconds(10));
        assertThat(m.synchronize()).as("threshold and minimum reclaim free").isEmpty();
        assertThat(kills).hasSize(2);
    }

    @Test
    void memoryPressureDoesNotReclaimImagesAndAFailingReclaimStillEvicts() {
        EvictionManager m = manager(EvictionConfig.parse("memory.available<100Mi,nodefs.available<10%", null, null,
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ZERO));
        List<Signal> reclaimed = new ArrayList<>();
        m.reclaimer(signal -> {
            reclaimed.add(signal);
            throw new IllegalStateException("runtime down");
        });
        pods.add(pod("a", null, null, null));
        pods.add(pod("b", null, null, null));
        observed.put(Signal.MEMORY_AVAILABLE, new Observation(1, 1024 * MI));
        assertThat(m.synchronize()).isPresent();
        assertThat(reclaimed).isEmpty();

        observed.put(Signal.MEMORY_AVAILABLE, new Observation(500 * MI, 1024 * MI));
        observed.put(Signal.NODEFS_AVAILABLE, new Observation(1, 100));
        clock.advance(Duration.ofSeconds(10));
        assertThat(m.synchronize()).isPresent();
        assertThat(reclaimed).containsExactly(Signal.NODEFS_AVAILABLE);
        assertThat(kills.get(1).status().getMessage()).startsWith("The node was low on resource: ephemeral-storage.");
    }

    @Test
    void diskReclaimRunsContainersThenImagesEachDespiteTheOtherFailing() {
        EvictionManager m = manager(EvictionConfig.parse("nodefs.available<10%", null, null,
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ZERO));
        List<String> order = new ArrayList<>();
        m.reclaimers(List.of(signal -> {
            order.add("containers");
            throw new IllegalStateException("runtime down");
        }, signal -> {
            order.add("images");
            observed.put(Signal.NODEFS_AVAILABLE, new Observation(50, 100));
            return 40;
        }));
        pods.add(pod("a", null, null, null));
        observed.put(Signal.NODEFS_AVAILABLE, new Observation(5, 100));

        // The containers' failure does not keep the images from being removed, and what they freed spares the pod.
        assertThat(m.synchronize()).isEmpty();
        assertThat(order).containsExactly("containers", "images");
        assertThat(kills).isEmpty();
    }
}
