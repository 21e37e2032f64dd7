package io.kaji.scheduler.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.controllers.testing.MutableClock;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.Snapshot;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SchedulerCacheTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final SchedulerCache cache = new SchedulerCache(clock, Duration.ofSeconds(30));

    @Test
    void anAssumedPodCountsAtOnceAndIsConfirmedByTheInformer() {
        cache.addNode(Fixtures.node("n1"));
        Pod pod = Fixtures.on(Fixtures.pod("p", "1", "1Gi").build(), "n1");
        cache.assumePod(pod);
        assertThat(cache.snapshot().get("n1").requested().milliCpu()).isEqualTo(1000);
        assertThat(cache.isAssumed(pod.getMetadata().getUid())).isTrue();
        assertThatThrownBy(() -> cache.assumePod(pod)).isInstanceOf(IllegalStateException.class);

        cache.finishBinding(pod);
        cache.addPod(pod); // the binding came back through the watch
        assertThat(cache.isAssumed(pod.getMetadata().getUid())).isFalse();
        clock.advance(Duration.ofMinutes(5));
        assertThat(cache.cleanupExpiredAssumedPods()).isEmpty();
        assertThat(cache.snapshot().get("n1").pods()).hasSize(1);
        assertThat(cache.snapshot().get("n1").requested().milliCpu()).isEqualTo(1000);
    }

    @Test
    void aPendingPodIsAssumedOnTheNodeItWasGivenAndReplacedByItsBoundCopy() {
        cache.addNode(Fixtures.node("n1"));
        cache.addNode(Fixtures.node("n2"));
        Pod pending = Fixtures.pod("p", "1", null).build(); // no spec.nodeName: the scheduler does not copy it
        cache.assumePod(pending, "n2");
        assertThat(cache.snapshot().get("n2").requested().milliCpu()).isEqualTo(1000);
        assertThat(cache.snapshot().get("n1").pods()).isEmpty();
        cache.addPod(Fixtures.on(pending, "n2"));
        assertThat(cache.isAssumed(pending.getMetadata().getUid())).isFalse();
        assertThat(cache.snapshot().get("n2").pods()).singleElement()
                .satisfies(p -> assertThat(p.pod().getSpec().getNodeName()).isEqualTo("n2"));
        cache.removePod(Fixtures.on(pending, "n2"));
        assertThat(cache.snapshot().get("n2").requested().milliCpu()).isZero();
    }

    @Test
    void anAssumptionExpiresWhenTheBindingNeverShowsUpAndIsForgottenWhenBindingFails() {
        cache.addNode(Fixtures.node("n1"));
        Pod a = Fixtures.on(Fixtures.pod("a", "1", null).build(), "n1");
        Pod b = Fixtures.on(Fixtures.pod("b", "1", null).build(), "n1");
        cache.assumePod(a);
        cache.assumePod(b);
        cache.finishBinding(a);
        clock.advance(Duration.ofSeconds(29));
        assertThat(cache.cleanupExpiredAssumedPods()).isEmpty();
        clock.advance(Duration.ofSeconds(2));
        assertThat(cache.cleanupExpiredAssumedPods()).extracting(p -> p.getMetadata().getName()).containsExactly("a");
        // b's binding is still in flight: it never expires before finishBinding.
        assertThat(cache.snapshot().get("n1").pods()).hasSize(1);
        cache.forgetPod(b);
        assertThat(cache.snapshot().get("n1").requested().milliCpu()).isZero();
    }

    @Test
    void snapshotsCopyOnlyChangedNodesAndHideNodesThatOnlyHavePods() {
        cache.addNode(Fixtures.node("n1"));
        cache.addNode(Fixtures.node("n2"));
        Snapshot first = cache.snapshot();
        assertThat(cache.snapshot()).isSameAs(first);
        cache.addPod(Fixtures.on(Fixtures.pod("p"), "n2"));
        Snapshot second = cache.snapshot();
        assertThat(second.get("n1")).isSameAs(first.get("n1"));
        assertThat(second.get("n2")).isNotSameAs(first.get("n2"));
        assertThat(first.get("n2").pods()).isEmpty(); // earlier snapshots do not change

        cache.addPod(Fixtures.on(Fixtures.pod("q"), "ghost")); // its node is not known yet
        assertThat(cache.snapshot().nodes()).extracting(n -> n.name()).containsExactly("n1", "n2");
        cache.removeNode(Fixtures.node("n2"));
        assertThat(cache.snapshot().nodes()).extracting(n -> n.name()).containsExactly("n1");
    }

    @Test
    void removingAPodFreesItsResourcesAndPorts() {
        cache.addNode(Fixtures.node("n1"));
        Pod p = Fixtures.on(Fixtures.pod("p", "2", "1Gi").editSpec().editFirstContainer().addNewPort()
                .withContainerPort(80).withHostPort(8080).endPort().endContainer().endSpec().build(), "n1");
        cache.addPod(p);
        assertThat(cache.snapshot().get("n1").usedPorts()).hasSize(1);
        cache.removePod(p);
        assertThat(cache.snapshot().get("n1").usedPorts()).isEmpty();
        assertThat(cache.snapshot().get("n1").requested().milliCpu()).isZero();
        assertThat(cache.podCount()).isZero();
    }
}
