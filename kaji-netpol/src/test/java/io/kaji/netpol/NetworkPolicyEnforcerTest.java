package io.kaji.netpol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The sync loop against a fake iptables: coalescing, retries, ownership, close. */
class NetworkPolicyEnforcerTest {

    final FakeIptables fake = new FakeIptables();
    final List<Namespace> namespaces = List.of(PolicyCompilerTest.ns("prod", Map.of()));
    final List<Pod> pods = List.of(
            PolicyCompilerTest.pod("prod", "web", "n1", "10.1.0.10", Map.of("app", "web"), null, 0, null),
            PolicyCompilerTest.pod("prod", "db", "n1", "10.1.0.11", Map.of("app", "db"), null, 0, null));
    final AtomicReference<ClusterState> state = new AtomicReference<>(new ClusterState(List.of(), pods, namespaces));
    final PolicyOptions options = new PolicyOptions("n1", "UNIT", List.of("10.1.0.1"), Duration.ofMillis(200),
            Duration.ofMinutes(10));

    void setPolicies(NetworkPolicy... policies) {
        state.set(new ClusterState(List.of(policies), pods, namespaces));
    }

    static NetworkPolicy denyAll(String name, Map<String, String> podLabels) {
        return PolicyCompilerTest.ingressPolicy("prod", name, podLabels, List.of(), List.of());
    }

    @Test
    void startWritesTheTopChainAndOneJumpAndCloseRemovesThem() {
        fake.chains.put("KAJI-UNIT-NPI-STALE", new ArrayList<>());
        fake.chains.put("KAJI-UNIT-SVC-PROXY", new ArrayList<>()); // the proxy's: not ours
        NetworkPolicyEnforcer e = NetworkPolicyEnforcer.start(state::get, options, new Iptables(fake));
        assertThat(fake.chainNames()).containsExactlyInAnyOrder("KAJI-UNIT-NP-FWD", "KAJI-UNIT-SVC-PROXY");
        assertThat(fake.forward).containsExactly(
                "-A FORWARD -m comment --comment \"kaji network policy UNIT node n1\" -j KAJI-UNIT-NP-FWD");
        e.close();
        assertThat(fake.chainNames()).containsExactly("KAJI-UNIT-SVC-PROXY");
        assertThat(fake.forward).isEmpty();
    }

    @Test
    void aBurstOfChangesIsOneWrite() {
        try (NetworkPolicyEnforcer e = NetworkPolicyEnforcer.start(state::get, options, new Iptables(fake))) {
            int before = fake.restores.get();
            for (int i = 0; i < 20; i++) {
                setPolicies(denyAll("deny-" + i, Map.of("app", "web")));
                e.requestSync();
            }
            await().atMost(Duration.ofSeconds(2)).until(() -> fake.restores.get() == before + 1);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> fake.restores.get() == before + 1);
            assertThat(fake.chainNames()).hasSize(2);
            assertThat(fake.chains.get("KAJI-UNIT-NP-FWD")).anyMatch(l -> l.contains("prod/web ingress"));

            e.requestSync(); // nothing changed: no write
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> fake.restores.get() == before + 1);
        }
    }

    @Test
    void aFailedWriteIsRetriedWithBackOffAndTheEnforcerKeepsWorking() {
        try (NetworkPolicyEnforcer e = NetworkPolicyEnforcer.start(state::get, options, new Iptables(fake))) {
            fake.failNextRestores.set(2);
            setPolicies(denyAll("deny", Map.of("app", "web")));
            e.requestSync();
            long t0 = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).until(() -> fake.chainNames().size() == 2);
            // retries after 1 s, then 2 s
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(2900));
            assertThat(fake.failedRestores.get()).isEqualTo(2);

            setPolicies(denyAll("deny", Map.of("app", "web")), denyAll("deny-db", Map.of("app", "db")));
            e.requestSync();
            await().atMost(Duration.ofSeconds(2)).until(() -> fake.chains.get("KAJI-UNIT-NP-FWD").stream()
                    .anyMatch(l -> l.contains("prod/db ingress")));
        }
    }

    @Test
    void aStartWhoseFirstWriteFailsSaysSoAndLeavesNothing() {
        fake.failNextRestores.set(1_000);
        assertThatThrownBy(() -> NetworkPolicyEnforcer.start(state::get, options, new Iptables(fake)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("network policy on node n1: the first iptables sync failed: ")
                .hasMessageContaining("iptables-restore: line 2 failed");
        assertThat(fake.chainNames()).isEmpty();
        assertThat(fake.forward).isEmpty();
    }
}
