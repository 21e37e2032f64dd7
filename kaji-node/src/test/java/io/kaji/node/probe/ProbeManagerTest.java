package io.kaji.node.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The probe state machine and its timing, driven by a manual timer and clock; the handlers are scripted. */
class ProbeManagerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final String KEY = "default/web";

    private ManualTimer timer;
    /** What each probe (by identity) answers at its next run. */
    private final Map<Probe, ProbeOutcome> answers = new IdentityHashMap<>();
    /** When each probe ran, in seconds after T0. */
    private final Map<Probe, List<Long>> runs = new IdentityHashMap<>();
    private final List<String> changes = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private ProbeManager manager;

    @BeforeEach
    void setUp() {
        timer = new ManualTimer(T0);
        manager = new ProbeManager((probe, target) -> {
            runs.computeIfAbsent(probe, p -> new ArrayList<>())
                    .add(Duration.between(T0, timer.clock().instant()).toSeconds());
            return answers.getOrDefault(probe, ProbeOutcome.success(""));
        }, timer, Runnable::run, timer.clock(), new ProbeManager.Listener() {
            @Override
            public void changed(String podKey) {
                changes.add(podKey + "@" + Duration.between(T0, timer.clock().instant()).toSeconds());
            }

            @Override
            public void failed(Pod pod, Container container, ProbeKind kind, ProbeOutcome outcome) {
                failures.add(kind.title() + ":" + outcome.output());
            }
        });
    }

    private static Probe probe(Integer period, Integer initialDelay, Integer success, Integer failure) {
        return new ProbeBuilder().withNewExec().withCommand("true").endExec().withPeriodSeconds(period)
                .withInitialDelaySeconds(initialDelay).withSuccessThreshold(success).withFailureThreshold(failure)
                .build();
    }

    private static Pod pod(Container c) {
        return new PodBuilder().withNewMetadata().withNamespace("default").withName("web").withUid("u1").endMetadata()
                .withNewSpec().withContainers(c).endSpec().build();
    }

    private void running(Pod pod, String id, Instant startedAt) {
        manager.update(KEY, pod, "100.64.5.2", List.of(new ContainerFacts("app", id, true, startedAt)));
    }

    private ContainerHealth health(Container c, String id) {
        return manager.health("u1", c, id, true);
    }

    @Test
    void readinessStartsFailedPassesAtOnceAndFailsAfterTheThreshold() {
        Probe readiness = probe(null, null, null, null);
        Container c = new ContainerBuilder().withName("app").withReadinessProbe(readiness).build();
        Pod pod = pod(c);
        readiness = pod.getSpec().getContainers().get(0).getReadinessProbe(); // the builders copy
        manager.update(KEY, pod, "", List.of());
        assertThat(health(c, "c1").ready()).as("not ready before the first probe").isFalse();
        running(pod, "c1", T0);
        timer.advance(Duration.ZERO);
        assertThat(runs.get(readiness)).containsExactly(0L);
        assertThat(health(c, "c1")).isEqualTo(new ContainerHealth(true, true, null));
        assertThat(changes).containsExactly(KEY + "@0");

        answers.put(readiness, ProbeOutcome.failure("HTTP probe failed with statuscode: 500"));
        timer.advance(Duration.ofSeconds(20));
        assertThat(runs.get(readiness)).as("default period 10 s").containsExactly(0L, 10L, 20L);
        assertThat(health(c, "c1").ready()).as("2 failures < failureThreshold 3").isTrue();
        timer.advance(Duration.ofSeconds(10));
        assertThat(health(c, "c1").ready()).isFalse();
        assertThat(health(c, "c1").kill()).as("readiness never kills").isNull();
        assertThat(changes).containsExactly(KEY + "@0", KEY + "@30");
        assertThat(failures).hasSize(3).allMatch(f -> f.equals("Readiness:HTTP probe failed with statuscode: 500"));

        answers.remove(readiness);
        timer.advance(Duration.ofSeconds(10));
        assertThat(health(c, "c1").ready()).isTrue();
        assertThat(changes).containsExactly(KEY + "@0", KEY + "@30", KEY + "@40");
    }

    @Test
    void aContainerFoundRunningAfterAnAgentRestartIsFirstProbedAtARandomPointOfThePeriod() {
        Probe liveness = probe(10, null, null, 3);
        Container c = new ContainerBuilder().withName("app").withLivenessProbe(liveness).build();
        Pod pod = pod(c);
        liveness = pod.getSpec().getContainers().get(0).getLivenessProbe(); // the builders copy
        running(pod, "c1", T0.minus(Duration.ofHours(1)));
        timer.advance(Duration.ofMillis(9_999));
        assertThat(runs.get(liveness)).as("within the first period, not at its end").hasSize(1);
        timer.advance(Duration.ofSeconds(10));
        assertThat(runs.get(liveness)).as("then once a period").hasSize(2);
    }

    @Test
    void aContainerStartedAfterTheAgentIsFirstProbedForLivenessOnePeriodLater() {
        Probe liveness = probe(10, null, null, 3);
        Container c = new ContainerBuilder().withName("app").withLivenessProbe(liveness).build();
        Pod pod = pod(c);
        liveness = pod.getSpec().getContainers().get(0).getLivenessProbe(); // the builders copy
        running(pod, "c1", T0);
        timer.advance(Duration.ofMillis(9_999));
        assertThat(runs.get(liveness)).isNull();
        timer.advance(Duration.ofMillis(1));
        assertThat(runs.get(liveness)).containsExactly(10L);
    }

    @Test
    void successThresholdAndInitialDelayAndErrorsThatDoNotCount() {
        Probe readiness = probe(2, 5, 2, 1);
        Container c = new ContainerBuilder().withName("app").withReadinessProbe(readiness).build();
        Pod pod = pod(c);
        readiness = pod.getSpec().getContainers().get(0).getReadinessProbe(); // the builders copy
        running(pod, "c1", T0);
        timer.advance(Duration.ofSeconds(4));
        assertThat(runs.get(readiness)).as("nothing before initialDelaySeconds").isNull();
        timer.advance(Duration.ofSeconds(1));
        assertThat(runs.get(readiness)).as("first run when the delay is over").containsExactly(5L);
        assertThat(health(c, "c1").ready()).as("1 success < successThreshold 2").isFalse();
        answers.put(readiness, ProbeOutcome.error("rpc error: code = Unknown"));
        timer.advance(Duration.ofSeconds(2));
        assertThat(health(c, "c1").ready()).isFalse();
        assertThat(failures).containsExactly("Readiness:rpc error: code = Unknown");
        answers.remove(readiness);
        timer.advance(Duration.ofSeconds(2));
        assertThat(runs.get(readiness)).containsExactly(5L, 7L, 9L);
        assertThat(health(c, "c1").ready()).as("the error broke no run: 2 successes in a row").isTrue();
    }

    @Test
    void livenessFailureAsksForAKillHoldsAndStartsOverWithTheNextContainer() {
        Probe liveness = probe(1, null, null, 2);
        Container c = new ContainerBuilder().withName("app").withLivenessProbe(liveness).build();
        Pod pod = pod(c);
        liveness = pod.getSpec().getContainers().get(0).getLivenessProbe(); // the builders copy
        running(pod, "c1", T0);
        answers.put(liveness, ProbeOutcome.failure(""));
        timer.advance(Duration.ZERO);
        assertThat(runs.get(liveness)).as("liveness waits a period after the start").isNull();
        timer.advance(Duration.ofSeconds(1));
        assertThat(health(c, "c1")).isEqualTo(new ContainerHealth(true, true, null));
        timer.advance(Duration.ofSeconds(1));
        assertThat(health(c, "c1").kill()).isEqualTo(ProbeKind.LIVENESS);
        assertThat(changes).containsExactly(KEY + "@2");
        timer.advance(Duration.ofSeconds(10));
        assertThat(runs.get(liveness)).as("on hold after the failure").containsExactly(1L, 2L);

        answers.remove(liveness);
        running(pod, "c2", timer.clock().instant());
        timer.advance(Duration.ofSeconds(2));
        assertThat(runs.get(liveness)).as("the new container is probed again").containsExactly(1L, 2L, 13L, 14L);
        assertThat(health(c, "c2").kill()).isNull();
        assertThat(health(c, "c1").kill()).as("results belong to the container id they were seen for")
                .isNull();
    }

    @Test
    void startupProbeGatesLivenessAndReadinessAndKillsWhenItFails() {
        Probe startup = probe(1, null, null, 3);
        Probe liveness = probe(10, null, null, 1);
        Probe readiness = probe(10, null, null, 1);
        Container c = new ContainerBuilder().withName("app").withStartupProbe(startup).withLivenessProbe(liveness)
                .withReadinessProbe(readiness).build();
        Pod pod = pod(c);
        startup = pod.getSpec().getContainers().get(0).getStartupProbe(); // the builders copy
        liveness = pod.getSpec().getContainers().get(0).getLivenessProbe(); // the builders copy
        readiness = pod.getSpec().getContainers().get(0).getReadinessProbe(); // the builders copy
        answers.put(startup, ProbeOutcome.failure("not yet"));
        running(pod, "c1", T0);
        timer.advance(Duration.ofSeconds(1));
        assertThat(health(c, "c1")).isEqualTo(new ContainerHealth(false, false, null));
        assertThat(runs.get(liveness)).as("liveness waits for the startup probe").isNull();
        assertThat(runs.get(readiness)).isNull();

        answers.remove(startup);
        timer.advance(Duration.ofSeconds(1));
        assertThat(runs.get(startup)).containsExactly(1L, 2L);
        assertThat(runs.get(liveness)).as("run as soon as the container started").containsExactly(2L);
        assertThat(runs.get(readiness)).containsExactly(2L);
        assertThat(health(c, "c1")).isEqualTo(new ContainerHealth(true, true, null));
        timer.advance(Duration.ofSeconds(30));
        assertThat(runs.get(startup)).as("the startup probe stops once passed").hasSize(2);

        answers.put(startup, ProbeOutcome.failure("still starting"));
        running(pod, "c2", timer.clock().instant());
        timer.advance(Duration.ofSeconds(2));
        assertThat(health(c, "c2").kill()).as("2 failures < failureThreshold 3").isNull();
        timer.advance(Duration.ofSeconds(1));
        assertThat(health(c, "c2")).isEqualTo(new ContainerHealth(false, false, ProbeKind.STARTUP));
    }

    @Test
    void stoppedContainersAreNotProbedAndRemovedPodsStopTheirTimers() {
        Probe readiness = probe(1, null, null, 1);
        Container c = new ContainerBuilder().withName("app").withReadinessProbe(readiness).build();
        Pod pod = pod(c);
        readiness = pod.getSpec().getContainers().get(0).getReadinessProbe(); // the builders copy
        running(pod, "c1", T0);
        timer.advance(Duration.ofSeconds(2));
        assertThat(runs.get(readiness)).hasSize(3);
        manager.update(KEY, pod, "", List.of(new ContainerFacts("app", "c1", false, T0)));
        timer.advance(Duration.ofSeconds(3));
        assertThat(runs.get(readiness)).as("not probed while it does not run").hasSize(3);
        assertThat(manager.health("u1", c, "c1", false)).isEqualTo(ContainerHealth.DOWN);

        assertThat(manager.workers()).isEqualTo(1);
        manager.removePod(KEY);
        assertThat(manager.workers()).isZero();
        timer.advance(Duration.ofSeconds(5));
        assertThat(timer.pending()).isZero();
    }

    @Test
    void containersWithoutProbesAreReadyWhenRunning() {
        Container c = new ContainerBuilder().withName("app").build();
        manager.update(KEY, pod(c), "", List.of(new ContainerFacts("app", "c1", true, T0)));
        assertThat(manager.workers()).isZero();
        assertThat(health(c, "c1")).isEqualTo(ContainerHealth.UP);
    }

    @Test
    void hundredsOfProbesShareOneTimerThread() throws Exception {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        var runs = new java.util.concurrent.atomic.AtomicInteger();
        var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        // Warm up the virtual-thread carriers so that they are not counted as the manager's.
        executor.submit(() -> { }).get();
        int before = threads.getThreadCount();
        try (ProbeManager real = new ProbeManager((probe, target) -> {
            runs.incrementAndGet();
            return ProbeOutcome.success("");
        }, ProbeTimer.singleThread("probe-test"), executor, java.time.Clock.systemUTC(), new ProbeManager.Listener() {
            @Override
            public void changed(String podKey) {
            }

            @Override
            public void failed(Pod pod, Container container, ProbeKind kind, ProbeOutcome outcome) {
            }
        })) {
            Probe p = probe(1, null, null, null);
            for (int i = 0; i < 200; i++) {
                Container c = new ContainerBuilder().withName("app").withLivenessProbe(p).withReadinessProbe(p).build();
                Pod pod = new PodBuilder(pod(c)).editMetadata().withName("p" + i).withUid("u" + i).endMetadata()
                        .build();
                real.update("default/p" + i, pod, "", List.of(new ContainerFacts("app", "c" + i, true, Instant.now())));
            }
            assertThat(real.workers()).isEqualTo(400);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 1200);
            int during = threads.getThreadCount();
            System.out.printf("probes: 400 probes (period 1 s) ran %d times; platform threads %d -> %d%n",
                    runs.get(), before, during);
            assertThat(during - before).as("one timer thread; probe runs on virtual threads").isLessThanOrEqualTo(
                    1 + Runtime.getRuntime().availableProcessors());
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aSimulatedRuntimePassesEveryProbe() {
        var simulated = new io.kaji.node.runtime.SimulatedRuntime(java.time.Clock.systemUTC(), 1);
        try (ProbeManager m = ProbeManager.create(simulated, "sim", java.time.Clock.systemUTC(),
                new ProbeManager.Listener() {
                    @Override
                    public void changed(String podKey) {
                    }

                    @Override
                    public void failed(Pod pod, Container container, ProbeKind kind, ProbeOutcome outcome) {
                        failures.add(outcome.output());
                    }
                })) {
            Container c = new ContainerBuilder().withName("app").withReadinessProbe(new ProbeBuilder().withNewHttpGet()
                    .withPath("/").withNewPort(80).endHttpGet().build()).build();
            m.update(KEY, pod(c), "10.255.255.1", List.of(new ContainerFacts("app", "c1", true, Instant.now())));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> m.health("u1", c, "c1", true).ready());
            assertThat(failures).isEmpty();
        }
    }

    @Test
    void livenessWaitsForAStartupProbeWhoseWorkerIsNotCreatedYet() {
        // A timer that runs the first task it is given at once, on the caller: the liveness worker then ticks
        // inside update(), before the startup worker of the same container exists.
        ProbeTimer inline = new ProbeTimer() {
            private boolean armed = true;

            @Override
            public Scheduled schedule(Duration delay, Runnable task) {
                if (armed) {
                    armed = false;
                    task.run();
                }
                return () -> { };
            }

            @Override
            public void close() {
            }
        };
        ProbeManager m = new ProbeManager((probe, target) -> {
            runs.computeIfAbsent(probe, p -> new ArrayList<>()).add(0L);
            return ProbeOutcome.failure("");
        }, inline, Runnable::run, timer.clock(), new ProbeManager.Listener() {
            @Override
            public void changed(String podKey) {
            }

            @Override
            public void failed(Pod pod, Container container, ProbeKind kind, ProbeOutcome outcome) {
            }
        });
        Container c = new ContainerBuilder().withName("app").withLivenessProbe(probe(1, null, null, 1))
                .withStartupProbe(probe(1, null, null, 1)).build();
        Pod pod = pod(c);
        m.update(KEY, pod, "", List.of(new ContainerFacts("app", "c1", true, T0)));
        assertThat(runs.get(pod.getSpec().getContainers().get(0).getLivenessProbe())).isNull();
        assertThat(m.health("u1", c, "c1", true)).isEqualTo(new ContainerHealth(false, false, null));
    }
}
