package io.kaji.node.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.controllers.testing.MutableClock;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.RuntimeCallException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet's rotation rules over files in a temporary directory and a runtime that reopens like containerd. */
class ContainerLogRotatorTest {

    private static final PodRef POD = new PodRef("default", "chatty", "uid-1");

    @TempDir
    Path dir;

    private PodLogs logs;
    private Path log;
    private final List<ContainerInfo> containers = new ArrayList<>();
    private final List<String> reopened = new ArrayList<>();
    private boolean reopenFails;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));

    @BeforeEach
    void setUp() throws IOException {
        logs = new PodLogs(dir);
        log = logs.file(POD, "app", 0);
        Files.createDirectories(log.getParent());
        containers.add(new ContainerInfo("c1", "s1", "app", 0, "busybox", "", ContainerState.RUNNING, clock.instant(),
                KajiLabels.forContainer(POD, "app")));
    }

    private ContainerRuntime runtime() {
        return (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "listContainers" -> List.copyOf(containers);
                    case "reopenContainerLog" -> {
                        if (reopenFails) {
                            throw new RuntimeCallException("reopen", "UNAVAILABLE", "down", null);
                        }
                        reopened.add((String) args[0]);
                        // containerd creates the log path anew
                        Files.writeString(log, "");
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private ContainerLogRotator rotator(int maxFiles) {
        return new ContainerLogRotator("n1", runtime(), logs, new LogRotationPolicy(100, maxFiles,
                Duration.ofSeconds(10)), clock);
    }

    private void write(String text) throws IOException {
        Files.writeString(log, text, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(log.getParent())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aLogBelowTheSizeStays() throws Exception {
        write("x".repeat(99));
        assertThat(rotator(5).rotateAll()).isEmpty();
        assertThat(files()).containsExactly("0.log");
        assertThat(reopened).isEmpty();
    }

    @Test
    void aFullLogIsRenamedWithItsTimeAndReopened() throws Exception {
        String content = "y".repeat(100);
        write(content);
        List<Path> rotated = rotator(5).rotateAll();
        assertThat(rotated).containsExactly(log.resolveSibling("0.log.20261127-100000"));
        assertThat(Files.readString(rotated.get(0))).isEqualTo(content);
        assertThat(reopened).containsExactly("c1");
        assertThat(Files.size(log)).isZero();
    }

    @Test
    void olderRotatedLogsAreGzippedAndTheOldestDeletedBeyondMaxFiles() throws Exception {
        ContainerLogRotator r = rotator(3);
        for (int i = 0; i < 4; i++) {
            write(("round " + i + "\n").repeat(20));
            clock.advance(Duration.ofSeconds(60));
            assertThat(r.rotateAll()).hasSize(1);
        }
        // The current log and two rotated ones: the newest plain, the one before gzipped; rounds 0 and 1 are gone.
        assertThat(files()).containsExactly("0.log", "0.log.20261127-100300.gz", "0.log.20261127-100400");
        assertThat(gunzip(log.resolveSibling("0.log.20261127-100300.gz"))).isEqualTo("round 2\n".repeat(20));
        assertThat(Files.readString(log.resolveSibling("0.log.20261127-100400"))).isEqualTo("round 3\n".repeat(20));
    }

    @Test
    void twoFilesKeepOnlyTheNewestRotatedOne() throws Exception {
        ContainerLogRotator r = rotator(2);
        for (int i = 0; i < 3; i++) {
            write("z".repeat(100));
            clock.advance(Duration.ofSeconds(1));
            r.rotateAll();
        }
        assertThat(files()).containsExactly("0.log", "0.log.20261127-100003");
    }

    @Test
    void aFailedReopenPutsTheLogBackAndLosesNothing() throws Exception {
        write("keep me".repeat(20));
        reopenFails = true;
        assertThat(rotator(5).rotateAll()).isEmpty();
        assertThat(files()).containsExactly("0.log");
        assertThat(Files.readString(log)).isEqualTo("keep me".repeat(20));
    }

    @Test
    void aMissingLogIsReopened() throws Exception {
        assertThat(rotator(5).rotateAll()).isEmpty();
        assertThat(reopened).containsExactly("c1");
        assertThat(log).exists();
    }

    @Test
    void onlyRunningContainersWithKajiLabelsAreLookedAt() throws Exception {
        containers.clear();
        containers.add(new ContainerInfo("c0", "s1", "app", 0, "busybox", "", ContainerState.EXITED, clock.instant(),
                KajiLabels.forContainer(POD, "app")));
        containers.add(new ContainerInfo("x", "s9", "app", 0, "busybox", "", ContainerState.RUNNING, clock.instant(),
                java.util.Map.of()));
        write("w".repeat(500));
        assertThat(rotator(5).rotateAll()).isEmpty();
        assertThat(files()).containsExactly("0.log");
    }

    @Test
    void leftoversOfAnInterruptedCompressionAreTidied() throws Exception {
        Files.writeString(log.resolveSibling("0.log.20261127-090000.gz.tmp"), "half");
        Files.writeString(log.resolveSibling("0.log.20261127-090100"), "done");
        gzip(log.resolveSibling("0.log.20261127-090100"));
        write("v".repeat(100));
        rotator(5).rotateAll();
        assertThat(files()).containsExactly("0.log", "0.log.20261127-090100.gz", "0.log.20261127-100000");
        assertThat(gunzip(log.resolveSibling("0.log.20261127-090100.gz"))).isEqualTo("done");
    }

    @Test
    void deleteAttemptTakesTheRotatedLogsAlong() throws Exception {
        write("a".repeat(100));
        rotator(5).rotateAll();
        write("b".repeat(10));
        Path other = logs.file(POD, "app", 1);
        Files.writeString(other, "next attempt");
        assertThat(logs.deleteAttempt(POD, "app", 0)).isEqualTo(110);
        assertThat(files()).containsExactly("1.log");
    }

    @Test
    void policyLimitsNameTheirFlags() {
        assertThatThrownBy(() -> new LogRotationPolicy(0, 5, Duration.ofSeconds(10)))
                .hasMessageContaining("--container-log-max-size");
        assertThatThrownBy(() -> new LogRotationPolicy(100, 1, Duration.ofSeconds(10)))
                .hasMessageContaining("--container-log-max-files");
        assertThatThrownBy(() -> new LogRotationPolicy(100, 5, Duration.ofSeconds(1)))
                .hasMessageContaining("--container-log-monitor-interval");
    }

    /** Writes {@code p}.gz beside {@code p}, keeping {@code p} (a compression whose last step did not happen). */
    private static void gzip(Path p) throws IOException {
        Path copy = p.resolveSibling("copy");
        Files.copy(p, copy);
        ContainerLogRotator.compress(copy);
        Files.move(copy.resolveSibling("copy.gz"), p.resolveSibling(p.getFileName() + ".gz"));
    }

    private static String gunzip(Path p) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
