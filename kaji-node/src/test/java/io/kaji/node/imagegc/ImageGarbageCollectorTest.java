package io.kaji.node.imagegc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.controllers.testing.MutableClock;
import io.kaji.node.runtime.ContainerState;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageGarbageCollectorTest {

    private static final String PAUSE = "docker.io/kaji/pause:1.0";

    private final FakeImageRuntime fake = new FakeImageRuntime();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    private ImageGarbageCollector collector(int high, int low) {
        return new ImageGarbageCollector("n1", fake.runtime(), fake.filesystem(),
                ImageGcPolicy.defaults().with(high, low, Duration.ofMinutes(2)), Set.of(PAUSE), null, clock);
    }

    @Test
    void belowTheHighThresholdNothingIsRemoved() {
        fake.image("old", 100);
        fake.available = 160; // 84 % used
        ImageGarbageCollector gc = collector(85, 80);
        gc.detectImages(ImageRecords.UNKNOWN_PAST);
        ImageGarbageCollector.Result r = gc.garbageCollect();
        assertThat(r.usagePercent()).isEqualTo(84);
        assertThat(r.bytesToFree()).isZero();
        assertThat(fake.removed).isEmpty();
        assertThat(r.failure()).isEmpty();
    }

    @Test
    void removesLeastRecentlyUsedFirstUntilBelowTheLowThreshold() {
        fake.image("never-used", 40);
        fake.image("used-long-ago", 60);
        fake.image("used-recently", 80);
        fake.image("in-use", 100);
        ImageGarbageCollector gc = collector(85, 80);
        gc.detectImages(ImageRecords.UNKNOWN_PAST);
        // A container used "used-long-ago", then one used "used-recently"; both are removed again.
        var c1 = fake.container("used-long-ago", ContainerState.EXITED);
        gc.detectImages(clock.instant());
        fake.containers.remove(c1);
        clock.advance(Duration.ofMinutes(5));
        var c2 = fake.container("used-recently", ContainerState.RUNNING);
        gc.detectImages(clock.instant());
        fake.containers.remove(c2);
        fake.container("in-use", ContainerState.RUNNING);
        clock.advance(Duration.ofMinutes(5));

        fake.available = 100; // 90 % used: free 1000·20 % − 100 = 100 bytes
        ImageGarbageCollector.Result r = gc.garbageCollect();

        assertThat(r.usagePercent()).isEqualTo(90);
        assertThat(r.bytesToFree()).isEqualTo(100);
        assertThat(fake.removed).containsExactly("never-used", "used-long-ago");
        assertThat(r.removed()).containsExactly("never-used", "used-long-ago");
        assertThat(r.bytesFreed()).isEqualTo(100);
        assertThat(r.failure()).isEmpty();
        assertThat(fake.images).containsKeys("sha256:used-recently", "sha256:in-use");
    }

    @Test
    void neverRemovesImagesOfContainersEvenExitedOnesNorTheSandboxOrPinnedImages() {
        fake.image("running", 100);
        fake.image("exited", 100);
        fake.image(PAUSE, 100);
        fake.pinned("pinned", 100);
        fake.image("unused", 50);
        fake.container("running", ContainerState.RUNNING);
        fake.container("exited", ContainerState.EXITED);
        ImageGarbageCollector gc = collector(50, 10);
        gc.detectImages(ImageRecords.UNKNOWN_PAST);
        fake.available = 100;

        ImageGarbageCollector.Result r = gc.garbageCollect();

        assertThat(fake.removed).containsExactly("unused");
        assertThat(r.bytesToFree()).isEqualTo(800);
        assertThat(r.failure()).contains("Failed to garbage collect required amount of images. Attempted to free "
                + "800 bytes, but only found 50 bytes eligible to free.");
    }

    @Test
    void imagesYoungerThanTheMinimumAgeStayUntilTheyAreOldEnough() {
        fake.image("at-start", 100);
        ImageGarbageCollector gc = collector(85, 80);
        // Images present at start-up date from the unknown past: old enough at once.
        gc.detectImages(ImageRecords.UNKNOWN_PAST);
        clock.advance(Duration.ofSeconds(1));
        fake.image("just-pulled", 100);
        fake.available = 0;

        gc.garbageCollect();
        assertThat(fake.removed).containsExactly("at-start");

        clock.advance(Duration.ofSeconds(119));
        fake.available = 0;
        gc.garbageCollect();
        assertThat(fake.removed).containsExactly("at-start");

        clock.advance(Duration.ofSeconds(1));
        gc.garbageCollect();
        assertThat(fake.removed).containsExactly("at-start", "just-pulled");
    }

    @Test
    void aFailedRemovalIsReportedAndTheNextImageIsTried() {
        fake.image("broken", 100);
        fake.image("fine", 100);
        fake.failing = Set.of("sha256:broken");
        ImageGarbageCollector gc = collector(85, 80);
        gc.detectImages(ImageRecords.UNKNOWN_PAST);
        fake.available = 0;

        ImageGarbageCollector.Result r = gc.garbageCollect();

        assertThat(fake.removed).containsExactly("fine");
        assertThat(r.errors()).singleElement().asString().startsWith("broken: ").contains("disk on fire");
        assertThat(r.failure()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("wanted to free 200 bytes, but freed 100 bytes space with errors in image deletion"));
    }

    @Test
    void deleteUnusedImagesRemovesEveryEligibleImageWhateverTheUsage() {
        fake.image("a", 10);
        fake.image("b", 20);
        fake.image("in-use", 30);
        fake.image(PAUSE, 5);
        fake.container("in-use", ContainerState.CREATED);
        ImageGarbageCollector gc = collector(100, 100);
        gc.detectImages(ImageRecords.UNKNOWN_PAST);
        fake.available = 999;

        assertThat(gc.deleteUnusedImages()).isEqualTo(30);
        assertThat(fake.removed).containsExactlyInAnyOrder("a", "b");
        assertThat(fake.images).containsOnlyKeys("sha256:in-use", "sha256:" + PAUSE);
    }

    @Test
    void imagesGoneFromTheRuntimeAreForgottenAndNewOnesDatedWhenFirstSeen() {
        fake.image("x", 10);
        ImageGarbageCollector gc = collector(85, 80);
        gc.detectImages(ImageRecords.UNKNOWN_PAST);
        fake.images.clear();
        gc.detectImages(clock.instant());
        clock.advance(Duration.ofMinutes(1));
        fake.image("x", 10); // pulled again: young again
        fake.available = 0;
        assertThat(gc.garbageCollect().removed()).isEmpty();
    }

    @Test
    void aFileSystemWithoutCapacityIsAnError() {
        ImageGarbageCollector gc = new ImageGarbageCollector("n1", fake.runtime(), () -> new ImageFilesystem.Usage(0, 0),
                ImageGcPolicy.defaults(), Set.of(), null, clock);
        assertThatThrownBy(gc::garbageCollect).hasMessage("invalid capacity 0 on image filesystem");
    }

    @ParameterizedTest
    @CsvSource({
            // capacity, available, usage %, bytes to reach 80 %
            "1000, 100, 90, 100",
            "1000, 150, 85, 50",
            "1000, 201, 80, -1",
            "1000, 2000, 0, -800",
            "3, 1, 67, -1"})
    void usageAsTheKubeletComputesIt(long capacity, long available, int percent, long toReach80) {
        ImageFilesystem.Usage u = new ImageFilesystem.Usage(capacity, available);
        assertThat(u.usagePercent()).isEqualTo(percent);
        assertThat(u.bytesToReach(80)).isEqualTo(toReach80);
    }

    @Test
    void policyValidationNamesTheFlag() {
        assertThatThrownBy(() -> new ImageGcPolicy(101, 80, Duration.ZERO, Duration.ofMinutes(5)))
                .hasMessage("--image-gc-high-threshold 101 is out of range: give a percentage from 0 to 100");
        assertThatThrownBy(() -> new ImageGcPolicy(70, 80, Duration.ZERO, Duration.ofMinutes(5)))
                .hasMessage("--image-gc-low-threshold 80 is higher than --image-gc-high-threshold 70: give a low "
                        + "threshold at or below the high one");
        assertThatThrownBy(() -> new ImageGcPolicy(85, -1, Duration.ZERO, Duration.ofMinutes(5)))
                .hasMessageStartingWith("--image-gc-low-threshold -1 is out of range");
        assertThat(ImageGcPolicy.defaults()).isEqualTo(new ImageGcPolicy(85, 80, Duration.ofMinutes(2),
                Duration.ofMinutes(5)));
    }
}
