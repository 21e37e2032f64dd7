package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HeapTrimmerTest {

    private static final long MIB = 1L << 20;
    private static final HeapTrimmer.Settings SETTINGS = new HeapTrimmer.Settings(Duration.ofSeconds(15), 12 * MIB,
            Duration.ofMinutes(1));

    /** An old generation whose figures the test sets; collect() leaves the live set plus 25 % committed. */
    static final class FakeOld implements HeapTrimmer.OldGeneration {
        long committed;
        long live;
        long used;
        int collections;

        @Override
        public long committed() {
            return committed;
        }

        @Override
        public long liveAfterLastCollection() {
            return live;
        }

        @Override
        public void collect() {
            collections++;
            live = used;
            committed = used * 5 / 4;
        }
    }

    @Test
    void collectsOnlyOnceTheSlackIsReached() {
        FakeOld old = new FakeOld();
        old.live = 30 * MIB;
        old.used = 30 * MIB;
        old.committed = 41 * MIB;
        HeapTrimmer t = HeapTrimmer.manual(SETTINGS, old);
        assertThat(t.check(0)).isFalse();
        assertThat(old.collections).isZero();
        old.committed = 42 * MIB;
        assertThat(t.check(1)).isTrue();
        assertThat(old.collections).isEqualTo(1);
        assertThat(old.committed).isEqualTo(30 * MIB * 5 / 4);
        assertThat(t.collections()).isEqualTo(1);
    }

    @Test
    void beforeAnyFullCollectionTheWholeCommittedSizeCountsAsSlack() {
        FakeOld old = new FakeOld();
        old.used = 20 * MIB;
        old.committed = 12 * MIB;
        HeapTrimmer t = HeapTrimmer.manual(SETTINGS, old);
        assertThat(t.check(0)).isTrue();
        assertThat(old.live).isEqualTo(20 * MIB);
    }

    @Test
    void atMostOneCollectionPerMinPeriod() {
        FakeOld old = new FakeOld();
        old.used = 30 * MIB;
        old.committed = 60 * MIB;
        HeapTrimmer t = HeapTrimmer.manual(SETTINGS, old);
        long t0 = 5_000_000_000L;
        assertThat(t.check(t0)).isTrue();
        old.committed = 60 * MIB; // grown again right away
        assertThat(t.check(t0 + Duration.ofSeconds(59).toNanos())).isFalse();
        assertThat(t.check(t0 + Duration.ofSeconds(60).toNanos())).isTrue();
        assertThat(old.collections).isEqualTo(2);
    }

    @Test
    void rejectsNonsenseSettings() {
        assertThatThrownBy(() -> new HeapTrimmer.Settings(Duration.ZERO, MIB, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checkEvery");
        assertThatThrownBy(() -> new HeapTrimmer.Settings(Duration.ofSeconds(1), 0, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void inactiveUnlessTheJvmRunsTheSerialCollector() {
        boolean serial = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .anyMatch(b -> b.getName().equals("MarkSweepCompact"));
        try (HeapTrimmer t = HeapTrimmer.start(SETTINGS)) {
            assertThat(t.active()).isEqualTo(serial);
        }
    }

    /**
     * A real JVM with the agent's collector settings fills its old generation with promoted garbage; the trimmer
     * must give most of it back (the child prints the old generation's committed MiB before and after).
     */
    @Test
    void shrinksARealSerialOldGenerationFullOfPromotedGarbage() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xms8m", "-Xmx256m", "-Xmn2m",
                "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20", "-XX:-ShrinkHeapInSteps",
                "-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            String line = out.lines().filter(l -> l.startsWith("old ")).findFirst().orElseThrow(
                    () -> new AssertionError("no result line in: " + out));
            String[] f = line.split(" ");
            long before = Long.parseLong(f[1]);
            long after = Long.parseLong(f[2]);
            int collections = Integer.parseInt(f[3]);
            assertThat(before).as(out).isGreaterThanOrEqualTo(48);
            assertThat(after).as(out).isLessThan(before / 2);
            assertThat(collections).as(out).isGreaterThanOrEqualTo(1);
        } finally {
            p.destroyForcibly();
        }
    }

    /** The child of {@link #shrinksARealSerialOldGenerationFullOfPromotedGarbage()}. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            MemoryPoolMXBean tenured = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(b -> b.getName().equals("Tenured Gen")).findFirst().orElseThrow();
            // Objects that outlive a few young collections: a ring of 1,024 buffers of 16 KiB, replaced in turn,
            // so each is promoted and then dies in the old generation. Keeps ~16 MiB live throughout.
            byte[][] ring = new byte[1024][];
            long sink = 0;
            for (int i = 0; tenured.getUsage().getCommitted() < 64 * MIB && i < 2_000_000; i++) {
                ring[i % ring.length] = new byte[16 * 1024];
                sink += ring[(i * 7) % ring.length] == null ? 0 : 1;
            }
            long before = tenured.getUsage().getCommitted() / MIB;
            ring = null;
            try (HeapTrimmer t = HeapTrimmer.start(new HeapTrimmer.Settings(Duration.ofMillis(50), 8 * MIB,
                    Duration.ZERO))) {
                if (!t.active()) {
                    throw new IllegalStateException("trimmer inactive under -XX:+UseSerialGC");
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (t.collections() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                System.out.println("old " + before + " " + tenured.getUsage().getCommitted() / MIB + " "
                        + t.collections() + " " + (sink > 0 ? "" : File.separator));
            }
        }
    }
}
