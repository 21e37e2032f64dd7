package io.kaji.scheduler.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.controllers.testing.MutableClock;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.ClusterEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchedulingQueueTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final SchedulingQueue queue = new SchedulingQueue(clock, Backoff.DEFAULT, Duration.ofMinutes(5));

    private static Pod pod(String name, int priority, String created) {
        return new PodBuilder(Fixtures.pod(name)).editMetadata().withCreationTimestamp(created).endMetadata()
                .editSpec().withPriority(priority).endSpec().build();
    }

    private QueuedPod pop() throws InterruptedException {
        return queue.pop().orElseThrow();
    }

    @Test
    void activeQueueIsOrderedByPriorityThenAge() throws Exception {
        queue.add(pod("young", 0, "2026-01-01T00:00:02Z"));
        queue.add(pod("old", 0, "2026-01-01T00:00:01Z"));
        queue.add(pod("important", 100, "2026-01-01T00:00:03Z"));
        assertThat(pop().key()).isEqualTo("default/important");
        assertThat(pop().key()).isEqualTo("default/old");
        assertThat(pop().key()).isEqualTo("default/young");
    }

    @Test
    void backoffDoublesFromOneToTenSeconds() {
        assertThat(Backoff.DEFAULT.after(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(Backoff.DEFAULT.after(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(Backoff.DEFAULT.after(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(Backoff.DEFAULT.after(5)).isEqualTo(Duration.ofSeconds(10));
        assertThat(Backoff.DEFAULT.after(50)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aFailedPodWaitsOutItsBackoff() throws Exception {
        queue.add(pod("p", 0, "2026-01-01T00:00:00Z"));
        QueuedPod p = pop();
        queue.addBackoff(p);
        queue.flushBackoffCompleted();
        assertThat(queue.sizes()).containsExactly(0, 1, 0);
        clock.advance(Duration.ofMillis(999));
        queue.flushBackoffCompleted();
        assertThat(queue.sizes()).containsExactly(0, 1, 0);
        clock.advance(Duration.ofMillis(1));
        queue.flushBackoffCompleted();
        assertThat(queue.sizes()).containsExactly(1, 0, 0);
        // second failure: 2 s
        QueuedPod again = pop();
        queue.addBackoff(again);
        clock.advance(Duration.ofMillis(1999));
        queue.flushBackoffCompleted();
        assertThat(queue.sizes()).containsExactly(0, 1, 0);
    }

    @Test
    void unschedulablePodsMoveOnlyOnEventsTheirPluginsCareAbout() throws Exception {
        queue.add(pod("p", 0, "2026-01-01T00:00:00Z"));
        QueuedPod p = pop();
        long cycle = queue.schedulingCycle();
        p.setWakeOn(Set.of(ClusterEvent.NODE_ADDED));
        queue.addUnschedulable(p, cycle);
        assertThat(queue.sizes()).containsExactly(0, 0, 1);
        queue.onClusterEvent(ClusterEvent.ASSIGNED_POD_DELETED);
        assertThat(queue.sizes()).containsExactly(0, 0, 1);
        clock.advance(Duration.ofSeconds(5)); // back-off over
        queue.onClusterEvent(ClusterEvent.NODE_ADDED);
        assertThat(queue.sizes()).containsExactly(1, 0, 0);
    }

    @Test
    void anEventDuringTheAttemptSendsTheFailureToBackoffAndLeftoversAreFlushed() throws Exception {
        queue.add(pod("p", 0, "2026-01-01T00:00:00Z"));
        QueuedPod p = pop();
        long cycle = queue.schedulingCycle();
        queue.onClusterEvent(ClusterEvent.NODE_ADDED); // while p was being scheduled
        queue.addUnschedulable(p, cycle);
        assertThat(queue.sizes()).containsExactly(0, 1, 0);

        queue.add(pod("q", 0, "2026-01-01T00:00:00Z"));
        clock.advance(Duration.ofSeconds(1));
        queue.flushBackoffCompleted();
        QueuedPod first = pop();
        QueuedPod second = pop();
        queue.addUnschedulable(first, queue.schedulingCycle());
        queue.addUnschedulable(second, queue.schedulingCycle());
        assertThat(queue.sizes()).containsExactly(0, 0, 2);
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        queue.flushUnschedulableLeftover();
        assertThat(queue.sizes()).containsExactly(2, 0, 0);
    }

    @Test
    void deletedOrBoundPodsLeaveTheQueueAndDuplicatesAreIgnored() throws Exception {
        Pod p = pod("p", 0, "2026-01-01T00:00:00Z");
        queue.add(p);
        queue.add(p);
        assertThat(queue.sizes()).containsExactly(1, 0, 0);
        queue.delete(p);
        assertThat(queue.sizes()).containsExactly(0, 0, 0);
        assertThat(queue.contains(p.getMetadata().getUid())).isFalse();
        queue.add(p);
        QueuedPod popped = pop();
        queue.delete(p);
        queue.addUnschedulable(popped, queue.schedulingCycle()); // deleted meanwhile: dropped
        assertThat(queue.sizes()).containsExactly(0, 0, 0);
    }

    @Test
    void aGatedPodWaitsUntilItsLastGateIsRemoved() throws Exception {
        Pod gated = new PodBuilder(pod("g", 0, "2026-01-01T00:00:00Z")).editSpec().addNewSchedulingGate()
                .withName("example.com/quota").endSchedulingGate().addNewSchedulingGate().withName("example.com/ok")
                .endSchedulingGate().endSpec().build();
        queue.add(gated);
        queue.onClusterEvent(ClusterEvent.NODE_ADDED);
        clock.advance(Duration.ofMinutes(6));
        queue.flushUnschedulableLeftover();
        queue.flushBackoffCompleted();
        assertThat(queue.sizes()).as("in no part: never tried").containsExactly(0, 0, 0);
        assertThat(queue.gatedCount()).isEqualTo(1);
        assertThat(queue.contains(gated.getMetadata().getUid())).isTrue();
        Pod oneLeft = new PodBuilder(gated).editSpec().removeFromSchedulingGates(gated.getSpec().getSchedulingGates()
                .get(0)).endSpec().build();
        queue.update(oneLeft);
        assertThat(queue.gatedCount()).isEqualTo(1);
        queue.update(new PodBuilder(oneLeft).editSpec().withSchedulingGates().endSpec().build());
        assertThat(queue.gatedCount()).isZero();
        assertThat(queue.sizes()).containsExactly(1, 0, 0);
        assertThat(pop().uid()).isEqualTo(gated.getMetadata().getUid());

        Pod deleted = new PodBuilder(pod("d", 0, "2026-01-01T00:00:00Z")).editSpec().addNewSchedulingGate()
                .withName("x").endSchedulingGate().endSpec().build();
        queue.add(deleted);
        queue.delete(deleted);
        assertThat(queue.gatedCount()).isZero();
        assertThat(queue.contains(deleted.getMetadata().getUid())).isFalse();
    }
}
