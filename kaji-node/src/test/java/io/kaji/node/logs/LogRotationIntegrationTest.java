package io.kaji.node.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.node.containerd.AgentFixture;
import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Log rotation against a real containerd (bridge kajit16, 100.64.16.0/24): a container printing numbered lines has
 * its log rotated four times by {@link ContainerLogRotator}; containerd reopens the log each time
 * ({@code ReopenContainerLog}), the attempt keeps three files (one gzipped), no line is lost or doubled across
 * the rotations, and a follow that was reading before the first rotation reads on in the new files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogRotationIntegrationTest {

    private static final String NODE = "kaji-it-16";
    private static final Pattern NUMBERED = Pattern.compile("line (\\d+) ");

    private AgentFixture fixture;
    private ContainerdFixture node;
    private PodLogs logs;

    @BeforeAll
    void start() throws Exception {
        fixture = AgentFixture.node(NODE, "kajit16", "100.64.16.0/24").withoutAgent().start();
        node = fixture.node;
        logs = new PodLogs(node.dataDir.resolve("pods"));
    }

    @AfterAll
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void rotatesWhileTheContainerWritesAndLosesNoLine() throws Exception {
        PodRef pod = new PodRef("default", "chatty", UUID.randomUUID().toString());
        SandboxSpec sandbox = SandboxSpec.builder(pod).logDirectory(logs.podDirectory(pod)).build();
        String sandboxId = node.runtime.runSandbox(sandbox);
        // ~100 lines of ~110 bytes a second
        String id = node.runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("app", BusyboxImage.NAME)
                .command("sh", "-c", "i=0; while true; do echo \"line $i " + "x".repeat(90)
                        + "\"; i=$((i+1)); usleep 10000; done").build());
        node.runtime.startContainer(id);
        Path log = logs.file(pod, "app", 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(log));

        ByteArrayOutputStream followed = new ByteArrayOutputStream();
        AtomicBoolean stopFollowing = new AtomicBoolean();
        CompletableFuture<Long> follow = CompletableFuture.supplyAsync(() -> {
            try {
                return ContainerLogStreamer.copy(log, new ContainerLogStreamer.Options(true, -1, -1, null, false), ContainerLogStreamerTest.syncedOut(followed),
                        stopFollowing::get, Duration.ofMillis(50));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        LogRotationPolicy policy = new LogRotationPolicy(8 * 1024, 3, Duration.ofSeconds(3));
        ContainerLogRotator rotator = new ContainerLogRotator(NODE, node.runtime, logs, policy, Clock.systemUTC());
        List<Path> rotated = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.size(log) >= policy.maxSizeBytes());
            Thread.sleep(1100); // a new second: the rotated names carry the time to the second
            long began = System.nanoTime();
            List<Path> r = rotator.rotateAll();
            System.out.printf("timing: log rotation round %d: %d ms%n", round, (System.nanoTime() - began) / 1_000_000);
            assertThat(r).hasSize(1);
            rotated.addAll(r);
        }
        // containerd writes on into the new file
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.size(log) > 0);

        List<String> files;
        try (Stream<Path> s = Files.list(log.getParent())) {
            files = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        Path newest = rotated.get(3);
        Path before = rotated.get(2);
        assertThat(files).containsExactly("0.log", before.getFileName() + ".gz", newest.getFileName().toString());

        // Lines are consecutive across the gzipped file, the plain one and the current log.
        node.runtime.stopContainer(id, Duration.ofSeconds(1));
        List<Long> numbers = new ArrayList<>();
        numbers.addAll(numbers(gunzip(before.resolveSibling(before.getFileName() + ".gz"))));
        numbers.addAll(numbers(Files.readString(newest)));
        numbers.addAll(numbers(Files.readString(log)));
        assertThat(numbers).hasSizeGreaterThan(100);
        for (int i = 1; i < numbers.size(); i++) {
            assertThat(numbers.get(i)).as("line after %d", numbers.get(i - 1)).isEqualTo(numbers.get(i - 1) + 1);
        }

        // The follow that began in the first file read through every rotation without a gap.
        stopFollowing.set(true);
        follow.get(30, java.util.concurrent.TimeUnit.SECONDS);
        List<Long> seen = numbers(followed.toString(StandardCharsets.UTF_8));
        assertThat(seen.get(0)).isZero();
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i)).as("followed line after %d", seen.get(i - 1)).isEqualTo(seen.get(i - 1) + 1);
        }
        assertThat(seen.get(seen.size() - 1)).isEqualTo(numbers.get(numbers.size() - 1));
    }

    private static List<Long> numbers(String text) {
        List<Long> out = new ArrayList<>();
        Matcher m = NUMBERED.matcher(text);
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }

    private static String gunzip(Path p) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
