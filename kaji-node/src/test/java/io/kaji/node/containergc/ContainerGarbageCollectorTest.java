package io.kaji.node.containergc;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which dead containers, sandboxes and log directories a collection removes, over a fake runtime. */
class ContainerGarbageCollectorTest {

    private static final Instant NOW = Instant.ofEpochSecond(1000);
    private static final PodRef WEB = new PodRef("default", "web", "uid-web");
    private static final PodRef GONE = new PodRef("default", "gone", "uid-gone");
    private static final PodRef JOB = new PodRef("batch", "job-x", "uid-job");

    @TempDir
    Path dir;

    private FakeRuntime fake;
    private PodLogs logs;
    private final List<Pod> pods = new ArrayList<>();

    @BeforeEach
    void setUp() {
        fake = new FakeRuntime();
        logs = new PodLogs(dir.resolve("pods"));
    }

    private ContainerGarbageCollector collector(ContainerGcPolicy policy) {
        return new ContainerGarbageCollector("n1", fake.runtime(), policy, () -> List.copyOf(pods), logs,
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static ContainerGcPolicy policy(Duration minAge, int perContainer, int total) {
        return ContainerGcPolicy.defaults().with(minAge, perContainer, total);
    }

    private void bound(PodRef ref, String phase, String reason) {
        pods.add(new PodBuilder().withNewMetadata().withNamespace(ref.namespace()).withName(ref.name())
                .withUid(ref.uid()).endMetadata().withNewStatus().withPhase(phase).withReason(reason).endStatus()
                .build());
    }

    private Path logFile(PodRef pod, String container, int attempt) throws IOException {
        Path f = logs.file(pod, container, attempt);
        Files.createDirectories(f.getParent());
        Files.writeString(f, "line of attempt " + attempt + "\n");
        return f;
    }

    @Test
    void keepsOneDeadInstancePerContainerForLogsPreviousAndNeverTheRunningOne() throws IOException {
        bound(WEB, "Running", null);
        fake.sandbox("s1", WEB, 0, true, 1);
        fake.container("app-0", "s1", "app", 0, ContainerState.EXITED, 10);
        fake.container("app-1", "s1", "app", 1, ContainerState.EXITED, 20);
        fake.container("app-2", "s1", "app", 2, ContainerState.EXITED, 30);
        fake.container("app-3", "s1", "app", 3, ContainerState.RUNNING, 40);
        fake.container("side-0", "s1", "sidecar", 0, ContainerState.EXITED, 15);
        Path log0 = logFile(WEB, "app", 0);
        Path log1 = logFile(WEB, "app", 1);
        Path log2 = logFile(WEB, "app", 2);
        Path log3 = logFile(WEB, "app", 3);

        ContainerGarbageCollector.Result r = collector(ContainerGcPolicy.defaults()).garbageCollect();

        assertThat(r.containers()).containsExactly("app-0", "app-1");
        assertThat(fake.containers).containsOnlyKeys("app-2", "app-3", "side-0");
        assertThat(r.sandboxes()).isEmpty();
        assertThat(r.errors()).isEmpty();
        assertThat(log0).doesNotExist();
        assertThat(log1).doesNotExist();
        assertThat(log2).exists();
        assertThat(log3).exists();
        assertThat(r.logBytes()).isEqualTo(2 * "line of attempt 0\n".length());
    }

    @Test
    void containersYoungerThanTheMinimumAgeAreNotCounted() {
        bound(WEB, "Running", null);
        fake.sandbox("s1", WEB, 0, true, 1);
        fake.container("a", "s1", "app", 0, ContainerState.EXITED, 10);
        fake.container("b", "s1", "app", 1, ContainerState.EXITED, 20);
        fake.container("c", "s1", "app", 2, ContainerState.EXITED, 971);
        fake.container("d", "s1", "app", 3, ContainerState.RUNNING, 980);

        // Created at or before 1000 - 30 s: a and b; of these the newest (b) is kept; c, one second younger, does
        // not count.
        ContainerGarbageCollector.Result r = collector(policy(Duration.ofSeconds(30), 1, -1)).garbageCollect();

        assertThat(r.containers()).containsExactly("a");
        assertThat(fake.containers).containsOnlyKeys("b", "c", "d");
    }

    @Test
    void noLimitPerContainerKeepsEveryDeadInstanceOfALivePod() {
        bound(WEB, "Running", null);
        fake.sandbox("s1", WEB, 0, true, 1);
        fake.container("a", "s1", "app", 0, ContainerState.EXITED, 10);
        fake.container("b", "s1", "app", 1, ContainerState.EXITED, 20);

        assertThat(collector(policy(Duration.ZERO, -1, -1)).garbageCollect().containers()).isEmpty();
        assertThat(fake.containers).containsOnlyKeys("a", "b");
    }

    @Test
    void zeroPerContainerStillKeepsTheNewestInstanceOfALivePodsContainer() {
        // The pod worker reads from the runtime that an init container succeeded or a Never container ran: with
        // its last instance gone it would run it again.
        bound(WEB, "Running", null);
        fake.sandbox("s1", WEB, 0, true, 1);
        fake.container("init-0", "s1", "init", 0, ContainerState.EXITED, 10);
        fake.container("init-1", "s1", "init", 1, ContainerState.EXITED, 20);
        fake.container("app-0", "s1", "app", 0, ContainerState.RUNNING, 30);

        assertThat(collector(policy(Duration.ZERO, 0, -1)).garbageCollect().containers()).containsExactly("init-0");
        assertThat(fake.containers).containsOnlyKeys("init-1", "app-0");
    }

    @Test
    void theNodeWideLimitLeavesEachContainerAShareThenRemovesTheOldest() {
        PodRef a = new PodRef("default", "a", "uid-a");
        PodRef b = new PodRef("default", "b", "uid-b");
        PodRef c = new PodRef("default", "c", "uid-c");
        for (PodRef p : List.of(a, b, c)) {
            bound(p, "Running", null);
            fake.sandbox("s-" + p.name(), p, 0, true, 1);
            fake.container(p.name() + "-run", "s-" + p.name(), "app", 9, ContainerState.RUNNING, 900);
        }
        fake.container("a-10", "s-a", "app", 0, ContainerState.EXITED, 10);
        fake.container("a-50", "s-a", "app", 1, ContainerState.EXITED, 50);
        fake.container("b-20", "s-b", "app", 0, ContainerState.EXITED, 20);
        fake.container("c-30", "s-c", "app", 0, ContainerState.EXITED, 30);

        // Two dead on the node, no limit per container: each keeps 2/3 -> at least 1 (a-10 goes), then the oldest
        // of the rest (b-20) goes.
        ContainerGarbageCollector.Result r = collector(policy(Duration.ZERO, -1, 2)).garbageCollect();

        assertThat(r.containers()).containsExactly("a-10", "b-20");
        assertThat(fake.containers).containsOnlyKeys("a-run", "b-run", "c-run", "a-50", "c-30");
    }

    @Test
    void theNodeWideLimitSkipsTheLastInstanceOfALivePodsContainer() {
        PodRef a = new PodRef("default", "a", "uid-a");
        PodRef b = new PodRef("default", "b", "uid-b");
        for (PodRef p : List.of(a, b)) {
            bound(p, "Running", null);
            fake.sandbox("s-" + p.name(), p, 0, true, 1);
        }
        fake.container("a-10", "s-a", "app", 0, ContainerState.EXITED, 10);
        fake.container("a-20", "s-a", "app", 1, ContainerState.EXITED, 20);
        fake.container("b-30", "s-b", "app", 0, ContainerState.EXITED, 30);

        ContainerGarbageCollector.Result r = collector(policy(Duration.ZERO, -1, 0)).garbageCollect();

        assertThat(r.containers()).containsExactly("a-10");
        assertThat(fake.containers).containsOnlyKeys("a-20", "b-30");
    }

    @Test
    void everythingDeadOfAGonePodGoesWithItsLogsButNotWhatStillRuns() throws IOException {
        bound(WEB, "Running", null);
        fake.sandbox("s-web", WEB, 0, true, 1);
        fake.container("web-0", "s-web", "app", 0, ContainerState.RUNNING, 5);
        fake.sandbox("s-gone-0", GONE, 0, false, 1);
        fake.sandbox("s-gone-1", GONE, 1, false, 2);
        fake.container("gone-a", "s-gone-1", "app", 0, ContainerState.EXITED, 10);
        fake.container("gone-b", "s-gone-1", "app", 1, ContainerState.CREATED, 20);
        PodRef stillRunning = new PodRef("default", "orphan", "uid-orphan");
        fake.sandbox("s-orphan", stillRunning, 0, true, 3);
        fake.container("orphan-0", "s-orphan", "app", 0, ContainerState.RUNNING, 30);
        logFile(WEB, "app", 0);
        logFile(GONE, "app", 0);
        logFile(stillRunning, "app", 0);
        Files.createDirectories(logs.root().resolve("not-a-pod"));

        ContainerGarbageCollector.Result r = collector(ContainerGcPolicy.defaults()).garbageCollect();

        assertThat(r.containers()).containsExactly("gone-a", "gone-b");
        assertThat(r.sandboxes()).containsExactlyInAnyOrder("s-gone-0", "s-gone-1");
        assertThat(fake.sandboxes).containsOnlyKeys("s-web", "s-orphan");
        assertThat(fake.containers).containsOnlyKeys("web-0", "orphan-0");
        assertThat(r.logDirectories()).containsExactly("default_gone_uid-gone");
        assertThat(logs.podDirectory(GONE)).doesNotExist();
        assertThat(logs.podDirectory(WEB)).exists();
        assertThat(logs.podDirectory(stillRunning)).exists();
        assertThat(logs.root().resolve("not-a-pod")).exists();
    }

    @Test
    void anEvictedPodIsClearedLikeAGoneOne() {
        bound(WEB, "Failed", "Evicted");
        fake.sandbox("s1", WEB, 0, false, 1);
        fake.container("a", "s1", "app", 0, ContainerState.EXITED, 10);

        ContainerGarbageCollector.Result r = collector(ContainerGcPolicy.defaults()).garbageCollect();

        assertThat(r.containers()).containsExactly("a");
        assertThat(r.sandboxes()).containsExactly("s1");
    }

    @Test
    void aLivePodKeepsItsNewestDeadSandboxAndEverySandboxHoldingAContainer() {
        bound(WEB, "Running", null);
        fake.sandbox("s0", WEB, 0, false, 10);
        fake.sandbox("s1", WEB, 1, false, 20);
        fake.sandbox("s2", WEB, 2, false, 30);
        fake.sandbox("s3", WEB, 3, false, 40);
        fake.container("held", "s1", "app", 0, ContainerState.EXITED, 25);

        ContainerGarbageCollector.Result r = collector(ContainerGcPolicy.defaults()).garbageCollect();

        assertThat(r.sandboxes()).containsExactlyInAnyOrder("s0", "s2");
        assertThat(fake.sandboxes).containsOnlyKeys("s1", "s3");
        assertThat(fake.calls).containsSubsequence("stop sandbox s0", "remove sandbox s0");
    }

    @Test
    void aCrashLoopingContainerKeepsItsLastRunAndTheOneBefore() {
        // In back-off every instance is dead; the newest is what `kubectl logs` shows, the one before `--previous`.
        bound(WEB, "Running", null);
        fake.sandbox("s-web", WEB, 0, true, 1);
        fake.container("crash-0", "s-web", "app", 0, ContainerState.EXITED, 10);
        fake.container("crash-1", "s-web", "app", 1, ContainerState.EXITED, 20);
        fake.container("crash-2", "s-web", "app", 2, ContainerState.EXITED, 30);

        assertThat(collector(ContainerGcPolicy.defaults()).garbageCollect().containers()).containsExactly("crash-0");
        assertThat(fake.containers).containsOnlyKeys("crash-1", "crash-2");
    }

    @Test
    void aTerminatedPodKeepsItsLastInstancesUntilDiskPressureAsksForAllUnused() {
        bound(JOB, "Succeeded", null);
        fake.sandbox("s-job", JOB, 0, true, 1);
        fake.container("job-0", "s-job", "main", 0, ContainerState.EXITED, 10);
        fake.container("job-1", "s-job", "main", 1, ContainerState.EXITED, 20);
        fake.container("job-2", "s-job", "main", 2, ContainerState.EXITED, 30);
        ContainerGarbageCollector gc = collector(ContainerGcPolicy.defaults());

        // The last instance and the one dead instance before it (what `kubectl logs --previous` reads) stay.
        assertThat(gc.garbageCollect().containers()).containsExactly("job-0");
        assertThat(fake.sandboxes).containsOnlyKeys("s-job");

        ContainerGarbageCollector.Result r = gc.deleteAllUnusedContainers();

        assertThat(r.containers()).containsExactly("job-1", "job-2");
        assertThat(r.sandboxes()).containsExactly("s-job");
        assertThat(fake.containers).isEmpty();
        // Stopped first: a ready sandbox without containers would have the pod worker run the job again.
        assertThat(fake.calls).containsSubsequence("stop sandbox s-job", "remove container job-1",
                "remove sandbox s-job");
    }

    @Test
    void allUnusedLeavesATerminatedPodThatStillRunsSomethingAndEveryActivePodsLastInstance() {
        bound(JOB, "Failed", null);
        fake.sandbox("s-job", JOB, 0, true, 1);
        fake.container("job-run", "s-job", "main", 0, ContainerState.RUNNING, 10);
        fake.container("job-dead", "s-job", "side", 0, ContainerState.EXITED, 10);
        bound(WEB, "Running", null);
        fake.sandbox("s-web", WEB, 0, true, 1);
        fake.container("web-dead", "s-web", "app", 0, ContainerState.EXITED, 10);

        ContainerGarbageCollector.Result r = collector(ContainerGcPolicy.defaults()).deleteAllUnusedContainers();

        assertThat(r.containers()).isEmpty();
        assertThat(fake.calls).noneMatch(c -> c.startsWith("stop sandbox"));
    }

    @Test
    void aContainerInUnknownStateIsStoppedBeforeItIsRemoved() {
        fake.sandbox("s1", GONE, 0, false, 1);
        fake.container("u", "s1", "app", 0, ContainerState.UNKNOWN, 10);

        collector(ContainerGcPolicy.defaults()).garbageCollect();

        assertThat(fake.calls).containsSubsequence("stop container u", "remove container u");
    }

    @Test
    void aFailedRemovalIsReportedAndLeavesItsSandboxTheRestGoes() {
        fake.sandbox("s1", GONE, 0, false, 1);
        fake.sandbox("s2", GONE, 1, false, 2);
        fake.container("stuck", "s1", "app", 0, ContainerState.EXITED, 10);
        fake.container("fine", "s2", "app", 0, ContainerState.EXITED, 20);
        fake.failing = Set.of("stuck");

        ContainerGarbageCollector.Result r = collector(ContainerGcPolicy.defaults()).garbageCollect();

        assertThat(r.containers()).containsExactly("fine");
        assertThat(r.sandboxes()).containsExactly("s2");
        assertThat(r.errors()).singleElement().asString()
                .startsWith("container stuck (app of pod default/gone): ").contains("device busy");
        assertThat(fake.sandboxes).containsOnlyKeys("s1");
    }

    @Test
    void containersWithoutKajisLabelsAreNeverTouched() {
        fake.foreign("theirs", 10);

        ContainerGarbageCollector.Result r = collector(policy(Duration.ZERO, 0, 0)).garbageCollect();

        assertThat(r.containers()).isEmpty();
        assertThat(fake.containers).containsOnlyKeys("theirs");
    }

    @Test
    void aLogFileAnotherSandboxReusesStays() throws IOException {
        // Kaji numbers attempts per sandbox: the new sandbox's attempt 0 writes app/0.log again.
        bound(WEB, "Running", null);
        fake.sandbox("old", WEB, 0, false, 1);
        fake.sandbox("new", WEB, 1, true, 50);
        fake.container("old-0", "old", "app", 0, ContainerState.EXITED, 10);
        fake.container("old-1", "old", "app", 1, ContainerState.EXITED, 20);
        fake.container("new-0", "new", "app", 0, ContainerState.RUNNING, 60);
        Path zero = logFile(WEB, "app", 0);
        Path one = logFile(WEB, "app", 1);

        ContainerGarbageCollector.Result r = collector(ContainerGcPolicy.defaults()).garbageCollect();

        assertThat(r.containers()).containsExactly("old-0");
        assertThat(zero).exists();
        assertThat(one).exists();
    }

    @Test
    void aPodBoundWhileTheCollectionRunsKeepsTheContainerItsWorkerIsStarting() throws IOException {
        // The pod reaches the cache, its worker creates a sandbox, a log directory and a container: all after the
        // collection began, before it listed the runtime.
        fake.beforeFirstListing = () -> {
            bound(WEB, "Pending", null);
            fake.sandbox("s1", WEB, 0, true, 1);
            fake.container("starting", "s1", "app", 0, ContainerState.CREATED, 10);
            try {
                logFile(WEB, "app", 0);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };

        ContainerGarbageCollector.Result r = collector(ContainerGcPolicy.defaults()).garbageCollect();

        assertThat(r.containers()).isEmpty();
        assertThat(r.logDirectories()).isEmpty();
        assertThat(fake.containers).containsOnlyKeys("starting");
    }
}
