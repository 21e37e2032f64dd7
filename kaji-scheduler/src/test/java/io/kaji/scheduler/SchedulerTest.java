package io.kaji.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.controllers.testing.MutableClock;
import io.kaji.scheduler.cache.SchedulerCache;
import io.kaji.scheduler.framework.Profile;
import io.kaji.scheduler.framework.Status;
import io.kaji.scheduler.plugins.InTreePlugins;
import io.kaji.scheduler.plugins.defaultpreemption.Evictor;
import io.kaji.scheduler.queue.SchedulingQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The scheduling loop with its real plugins, a fake binder and a synchronous binding executor. */
class SchedulerTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final SchedulerCache cache = new SchedulerCache(clock, Duration.ofSeconds(30));
    private final SchedulingQueue queue = SchedulingQueue.withDefaults(clock);
    private final Map<String, String> bindings = new ConcurrentHashMap<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final SchedulingReporter reporter = new SchedulingReporter() {
        @Override
        public void scheduled(Pod pod, String nodeName) {
        }

        @Override
        public void failed(Pod pod, String reason, String message, String nominatedNode) {
            failures.add(pod.getMetadata().getName() + ": " + reason + ": " + message);
        }
    };

    private Scheduler scheduler() {
        var deps = new InTreePlugins.Dependencies((pod, node) -> {
            bindings.put(pod.getMetadata().getName(), node);
            return Status.success();
        }, Evictor.NONE, pod -> new LabelSelectorBuilder().addToMatchLabels("app", "web").build());
        Profile profile = new Profile(InTreePlugins.defaultProfile(), InTreePlugins.registry(deps));
        return new Scheduler(cache, queue, List.of(profile), reporter, Runnable::run, new Random(1));
    }

    private void scheduleAll(Scheduler s) throws InterruptedException {
        while (queue.sizes()[0] > 0) {
            s.scheduleOne(queue.pop().orElseThrow());
        }
    }

    @Test
    void replicasOfOneGroupLandOnDifferentNodesAndEachDecisionSeesThePrevious() throws Exception {
        for (String n : List.of("n1", "n2", "n3")) {
            cache.addNode(Fixtures.node(n));
        }
        Scheduler s = scheduler();
        for (int i = 0; i < 3; i++) {
            queue.add(new PodBuilder(Fixtures.pod("web-" + i)).editMetadata().addToLabels("app", "web").endMetadata().build());
        }
        scheduleAll(s);
        assertThat(bindings).hasSize(3);
        assertThat(Map.copyOf(bindings).values()).containsExactlyInAnyOrder("n1", "n2", "n3");
        assertThat(s.boundCount()).isEqualTo(3);
    }

    @Test
    void resourceFitNeverOvercommitsAndTheRestGetKubernetesMessage() throws Exception {
        cache.addNode(Fixtures.node("n1", "2", "4Gi").build());
        cache.addNode(Fixtures.node("n2", "2", "4Gi").editSpec()
                .withTaints(Fixtures.taint("node.kubernetes.io/unreachable", null, "NoExecute")).endSpec().build());
        Scheduler s = scheduler();
        for (int i = 0; i < 3; i++) {
            queue.add(Fixtures.pod("p" + i, "1", null).build());
        }
        scheduleAll(s);
        assertThat(bindings).containsOnlyKeys("p0", "p1").containsValues("n1");
        assertThat(failures).containsExactly("p2: Unschedulable: 0/2 nodes are available: 1 Insufficient cpu, "
                + "1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/2 nodes are "
                + "available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.");
        assertThat(queue.sizes()).containsExactly(0, 0, 1);
    }

    @Test
    void aFailedBindingForgetsTheAssumptionAndRetriesWithBackoff() throws Exception {
        cache.addNode(Fixtures.node("n1"));
        var deps = new InTreePlugins.Dependencies((pod, node) -> Status.error("HTTP 500 boom"), Evictor.NONE,
                pod -> null);
        Scheduler s = new Scheduler(cache, queue, List.of(new Profile(InTreePlugins.defaultProfile(),
                InTreePlugins.registry(deps))), reporter, Runnable::run, new Random(1));
        queue.add(Fixtures.pod("p", "1", null).build());
        scheduleAll(s);
        assertThat(cache.snapshot().get("n1").pods()).isEmpty();
        assertThat(queue.sizes()).containsExactly(0, 1, 0);
        assertThat(failures).singleElement().asString().contains("SchedulerError: Binding rejected: HTTP 500 boom");
    }

    @Test
    void podsForOtherSchedulersAreNotOurs() {
        Scheduler s = scheduler();
        assertThat(s.responsibleFor(Fixtures.pod("p"))).isTrue();
        assertThat(s.responsibleFor(new PodBuilder(Fixtures.pod("p")).editSpec().withSchedulerName("default-scheduler")
                .endSpec().build())).isTrue();
        assertThat(s.responsibleFor(new PodBuilder(Fixtures.pod("p")).editSpec().withSchedulerName("other")
                .endSpec().build())).isFalse();
    }
}
