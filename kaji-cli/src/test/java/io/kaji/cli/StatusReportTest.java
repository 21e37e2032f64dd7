package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kaji status' screen from fabricated objects. */
class StatusReportTest {

    static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    static String ts(long secondsAgo) {
        return NOW.minusSeconds(secondsAgo).toString();
    }

    static Lease lease(String name, String holder, long renewedAgo) {
        return new LeaseBuilder().withNewMetadata().withName(name).withNamespace("kube-system").endMetadata()
                .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(15)
                .withAcquireTime(NOW.minusSeconds(600).atZone(ZoneOffset.UTC))
                .withRenewTime(NOW.minusSeconds(renewedAgo).atZone(ZoneOffset.UTC)).endSpec().build();
    }

    static Node node(String name, String ready, long ageSeconds) {
        return new NodeBuilder().withNewMetadata().withName(name).withCreationTimestamp(ts(ageSeconds)).endMetadata()
                .withNewStatus().addNewCondition().withType("Ready").withStatus(ready).endCondition().endStatus()
                .build();
    }

    static Pod pod(String ns, String name, String node, String phase) {
        return new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withNodeName(node).endSpec().withNewStatus().withPhase(phase).endStatus().build();
    }

    static Event event(String type, String reason, String pod, long agoSeconds) {
        return new EventBuilder().withNewMetadata().withNamespace("default").withName(pod + "." + reason).endMetadata()
                .withType(type).withReason(reason).withMessage(reason + " of " + pod + "\n")
                .withNewInvolvedObject().withKind("Pod").withNamespace("default").withName(pod).endInvolvedObject()
                .withLastTimestamp(ts(agoSeconds)).build();
    }

    @Test
    void rendersHealthLeadersNodesPodsAndWarnings() {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            events.add(event("Warning", "BackOff", "web-" + i, 100 - i));
        }
        events.add(event("Normal", "Started", "web-0", 1));
        StatusReport r = new StatusReport("https://127.0.0.1:6443", "ok", "v1.32.0-kaji",
                List.of(lease("kaji-controller-manager", "host_1", 2), lease("kaji-scheduler", "host_2", 60)),
                List.of(node("n2", "False", 7200), node("n1", "True", 300)),
                List.of(pod("default", "a", "n1", "Running"), pod("default", "b", "n1", "Running"),
                        pod("default", "c", null, "Pending"), pod("kube-system", "d", "n2", "Failed"),
                        new PodBuilder().withNewMetadata().withNamespace("x").withName("bare").endMetadata().build()),
                events, NOW);
        String out = r.render();
        assertThat(out).startsWith("API server   https://127.0.0.1:6443  ready  version v1.32.0-kaji\n");
        assertThat(out).contains("  controller-manager  leader host_1, held 10m, renewed 2s ago\n");
        assertThat(out).contains("  scheduler           leader host_2, EXPIRED, held 10m, renewed 60s ago\n");
        assertThat(out).contains("Nodes (2, 1 Ready)\n"
                + "  NAME  READY  AGE  PODS\n"
                + "  n1    True   5m   2\n"
                + "  n2    False  2h   1\n");
        assertThat(out).contains("Pods (5)\n"
                + "  NAMESPACE    PENDING  RUNNING  SUCCEEDED  FAILED  UNKNOWN\n"
                + "  default      1        2        0          0       0\n"
                + "  kube-system  0        0        0          1       0\n"
                + "  x            1        0        0          0       0\n");
        assertThat(out).contains("Recent warnings (last 10)\n");
        assertThat(out).doesNotContain("web-0:", "web-1:", "Started").contains("default/pod/web-2  BackOff: BackOff of web-2\n")
                .contains("89s   default/pod/web-11  BackOff: BackOff of web-11\n");
        assertThat(out.indexOf("web-2 ")).isLessThan(out.indexOf("web-11 "));
    }

    @Test
    void saysWhatIsMissingWhenTheClusterIsEmptyOrUnhealthy() {
        StatusReport r = new StatusReport("https://h:6443", null, null, List.of(
                new LeaseBuilder().withNewMetadata().withName("kaji-scheduler").endMetadata().withNewSpec().endSpec()
                        .build()), List.of(), List.of(), List.of(), NOW);
        assertThat(r.render()).isEqualTo("""
                API server   https://h:6443  NOT READY (no answer)  version unknown

                Components
                  controller-manager  no leader (Lease kube-system/kaji-controller-manager is not held)
                  scheduler           no leader (Lease kube-system/kaji-scheduler is not held)

                Nodes (0, 0 Ready)

                Pods (0)

                Recent warnings (none)
                """);
    }

    @Test
    void agesFollowKubectl() {
        StatusReport r = new StatusReport("u", "ok", "v", List.of(), List.of(), List.of(), List.of(), NOW);
        assertThat(r.age(NOW.minusSeconds(119))).isEqualTo("119s");
        assertThat(r.age(NOW.minusSeconds(120))).isEqualTo("2m");
        assertThat(r.age(NOW.minusSeconds(3 * 3600))).isEqualTo("3h");
        assertThat(r.age(NOW.minusSeconds(5 * 86400))).isEqualTo("5d");
        assertThat(r.age(NOW.plusSeconds(5))).as("clock skew").isEqualTo("0s");
    }
}
