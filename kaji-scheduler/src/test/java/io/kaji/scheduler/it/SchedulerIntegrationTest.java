package io.kaji.scheduler.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.scheduler.KajiScheduler;
import io.kaji.scheduler.framework.Resources;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scheduler against a real in-process API server: no mock anywhere, nodes are API objects. */
class SchedulerIntegrationTest {

    private ApiServerFixture api;
    private KubernetesClient client;
    private final List<KajiScheduler> schedulers = new ArrayList<>();
    private final List<KubernetesClient> extraClients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        api = new ApiServerFixture();
        client = api.client;
    }

    @AfterEach
    void stop() throws Exception {
        schedulers.forEach(KajiScheduler::close);
        extraClients.forEach(KubernetesClient::close);
        if (api != null) {
            api.close();
        }
    }

    private KajiScheduler startScheduler(String identity, KubernetesClient c) {
        KajiScheduler s = new KajiScheduler(c, KajiScheduler.Options.defaults(identity)
                .withLease(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(300)), Clock.systemUTC());
        schedulers.add(s);
        s.start();
        return s;
    }

    private KajiScheduler startLeader() {
        KajiScheduler s = startScheduler("it-scheduler", client);
        await().atMost(Duration.ofSeconds(20)).until(s::isLeading);
        return s;
    }

    private static Pod pod(String name, String cpu) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec();
        if (cpu != null) {
            b.editSpec().editFirstContainer().withNewResources().addToRequests("cpu", new Quantity(cpu))
                    .endResources().endContainer().endSpec();
        }
        return b.build();
    }

    private Pod create(Pod p) {
        return client.pods().inNamespace("default").resource(p).create();
    }

    private Pod get(String name) {
        return client.pods().inNamespace("default").withName(name).get();
    }

    private static String nodeOf(Pod p) {
        return p == null || p.getSpec().getNodeName() == null ? "" : p.getSpec().getNodeName();
    }

    private static Optional<PodCondition> scheduledCondition(Pod p) {
        return p.getStatus() == null || p.getStatus().getConditions() == null ? Optional.empty()
                : p.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst();
    }

    private List<Event> eventsFor(String pod, String reason) {
        return client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> pod.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).toList();
    }

    @Test
    void replicasOfAReplicaSetAreSpreadOverNodesAndZones() {
        api.createNode("n1", "4", "8Gi", "zone-a");
        api.createNode("n2", "4", "8Gi", "zone-b");
        api.createNode("n3", "4", "8Gi", "zone-c");
        startLeader();
        ReplicaSet rs = client.apps().replicaSets().inNamespace("default").resource(new ReplicaSetBuilder()
                .withNewMetadata().withName("web").endMetadata()
                .withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        // The pods the ReplicaSet controller would create: owned by it, matching its selector.
        for (int i = 0; i < 3; i++) {
            create(new PodBuilder(pod("web-" + i, null)).editMetadata().addToLabels("app", "web")
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet")
                            .withName("web").withUid(rs.getMetadata().getUid()).withController(true).build())
                    .endMetadata().build());
        }
        await().atMost(Duration.ofSeconds(20)).until(() ->
                List.of("web-0", "web-1", "web-2").stream().allMatch(n -> !nodeOf(get(n)).isEmpty()));
        List<String> nodes = List.of("web-0", "web-1", "web-2").stream().map(n -> nodeOf(get(n))).toList();
        assertThat(nodes).containsExactlyInAnyOrder("n1", "n2", "n3");
        Pod bound = get("web-0");
        assertThat(scheduledCondition(bound)).get().extracting(PodCondition::getStatus).isEqualTo("True");
        await().atMost(Duration.ofSeconds(10)).until(() -> !eventsFor("web-0", "Scheduled").isEmpty());
        assertThat(eventsFor("web-0", "Scheduled").get(0).getMessage())
                .isEqualTo("Successfully assigned default/web-0 to " + nodeOf(bound));
    }

    @Test
    void taintedNodesOnlyTakePodsThatTolerateTheTaint() {
        api.createNode("clean", "4", "8Gi", "zone-a");
        var tainted = api.createNode("gpu", "4", "8Gi", "zone-a");
        client.nodes().withName(tainted.getMetadata().getName()).edit(n -> {
            n.getSpec().setTaints(List.of(new io.fabric8.kubernetes.api.model.TaintBuilder().withKey("dedicated")
                    .withValue("gpu").withEffect("NoSchedule").build()));
            return n;
        });
        startLeader();
        for (int i = 0; i < 6; i++) {
            create(pod("plain-" + i, null));
        }
        create(new PodBuilder(pod("tolerant", null)).editSpec().addNewToleration().withKey("dedicated")
                .withOperator("Equal").withValue("gpu").withEffect("NoSchedule").endToleration()
                .withNodeSelector(Map.of("kubernetes.io/hostname", "gpu")).endSpec().build());
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().inNamespace("default").list().getItems()
                .stream().allMatch(p -> !nodeOf(p).isEmpty()));
        for (int i = 0; i < 6; i++) {
            assertThat(nodeOf(get("plain-" + i))).isEqualTo("clean");
        }
        assertThat(nodeOf(get("tolerant"))).isEqualTo("gpu");
    }

    @Test
    void resourceFitNeverOvercommitsAndTheRestAreReportedUnschedulable() {
        api.createNode("n1", "2", "4Gi", "zone-a");
        api.createNode("n2", "2", "4Gi", "zone-b");
        startLeader();
        for (int i = 0; i < 6; i++) {
            create(pod("p-" + i, "1"));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            List<Pod> pods = client.pods().inNamespace("default").list().getItems();
            long bound = pods.stream().filter(p -> !nodeOf(p).isEmpty()).count();
            long refused = pods.stream().filter(p -> scheduledCondition(p)
                    .map(c -> "False".equals(c.getStatus())).orElse(false)).count();
            return bound == 4 && refused == 2;
        });
        Map<String, Long> cpuPerNode = new HashMap<>();
        List<Pod> pending = new ArrayList<>();
        for (Pod p : client.pods().inNamespace("default").list().getItems()) {
            if (nodeOf(p).isEmpty()) {
                pending.add(p);
            } else {
                cpuPerNode.merge(nodeOf(p), Resources.of(p.getSpec().getContainers().get(0).getResources()
                        .getRequests()).milliCpu(), Long::sum);
            }
        }
        assertThat(cpuPerNode).containsOnly(Map.entry("n1", 2000L), Map.entry("n2", 2000L));
        String expected = "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
                + "2 No preemption victims found for incoming pod.";
        for (Pod p : pending) {
            PodCondition c = scheduledCondition(p).orElseThrow();
            assertThat(c.getReason()).isEqualTo("Unschedulable");
            assertThat(c.getMessage()).isEqualTo(expected);
            // Events are recorded asynchronously (EventRecorder): wait for it.
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    !eventsFor(p.getMetadata().getName(), "FailedScheduling").isEmpty());
            List<Event> events = eventsFor(p.getMetadata().getName(), "FailedScheduling");
            assertThat(events.get(0).getType()).isEqualTo("Warning");
            assertThat(events.get(0).getMessage()).isEqualTo(expected);
            assertThat(events.get(0).getSource().getComponent()).isEqualTo("default-scheduler");
        }
    }

    /**
     * Required anti-affinity through the real API: each placement is counted by the scheduler's TopologyIndex as
     * soon as it is assumed (before the binding comes back through the informer), so no two group members ever
     * share a node, and the pod that fits nowhere gets Kubernetes' reason.
     */
    @Test
    void podsWithRequiredAntiAffinityNeverShareANode() {
        api.createNode("n1", "4", "8Gi", "zone-a");
        api.createNode("n2", "4", "8Gi", "zone-a");
        api.createNode("n3", "4", "8Gi", "zone-b");
        startLeader();
        for (int i = 0; i < 4; i++) {
            create(new PodBuilder(pod("web-" + i, "100m")).editMetadata().addToLabels("app", "web").endMetadata()
                    .editSpec().withNewAffinity().withNewPodAntiAffinity()
                    .addNewRequiredDuringSchedulingIgnoredDuringExecution().withNewLabelSelector()
                    .addToMatchLabels("app", "web").endLabelSelector().withTopologyKey("kubernetes.io/hostname")
                    .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity().endAffinity()
                    .endSpec().build());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            List<Pod> pods = client.pods().inNamespace("default").list().getItems();
            return pods.stream().filter(p -> !nodeOf(p).isEmpty()).count() == 3
                    && pods.stream().anyMatch(p -> scheduledCondition(p).map(c -> "False".equals(c.getStatus()))
                    .orElse(false));
        });
        List<Pod> pods = client.pods().inNamespace("default").list().getItems();
        assertThat(pods.stream().map(SchedulerIntegrationTest::nodeOf).filter(n -> !n.isEmpty()))
                .containsExactlyInAnyOrder("n1", "n2", "n3");
        Pod pending = pods.stream().filter(p -> nodeOf(p).isEmpty()).findFirst().orElseThrow();
        assertThat(scheduledCondition(pending).orElseThrow().getMessage())
                .startsWith("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
    }

    private void priorityClass(String name, int value) {
        client.resource(new io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder().withNewMetadata()
                .withName(name).endMetadata().withValue(value).build()).create();
    }

    private static Pod withClass(Pod p, String priorityClass) {
        return new PodBuilder(p).editSpec().withPriorityClassName(priorityClass).withTerminationGracePeriodSeconds(0L)
                .endSpec().build();
    }

    @Test
    void preemptionEvictsTheLowestPriorityPodAndMarksIt() {
        api.createNode("n1", "4", "8Gi", "zone-a");
        priorityClass("lowest", 1);
        priorityClass("low", 10);
        priorityClass("urgent", 1000);
        startLeader();
        create(withClass(pod("keep", "2"), "low"));
        create(withClass(pod("victim", "2"), "lowest"));
        await().atMost(Duration.ofSeconds(20)).until(() -> nodeOf(get("keep")).equals("n1")
                && nodeOf(get("victim")).equals("n1"));
        // A marker for the condition: watch the victim's status until it is gone.
        List<String> conditions = new java.util.concurrent.CopyOnWriteArrayList<>();
        var watch = client.pods().inNamespace("default").withName("victim").watch(new io.fabric8.kubernetes.client.Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod p) {
                if (p.getStatus() != null && p.getStatus().getConditions() != null) {
                    p.getStatus().getConditions().stream().filter(c -> "DisruptionTarget".equals(c.getType()))
                            .forEach(c -> conditions.add(c.getReason() + ": " + c.getMessage()));
                }
            }

            @Override
            public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
            }
        });
        try {
            Pod urgent = create(withClass(pod("urgent", "2"), "urgent"));
            assertThat(urgent.getSpec().getPriority()).isEqualTo(1000);
            await().atMost(Duration.ofSeconds(30)).until(() -> nodeOf(get("urgent")).equals("n1"));
            assertThat(get("victim")).isNull();
            assertThat(nodeOf(get("keep"))).isEqualTo("n1");
            assertThat(conditions).contains(
                    "PreemptionByScheduler: default-scheduler: preempting to accommodate a higher priority pod");
        } finally {
            watch.close();
        }
    }

    @Test
    void aPendingPodIsScheduledWhenANodeIsAdded() {
        startLeader();
        create(pod("waiting", "1"));
        await().atMost(Duration.ofSeconds(20)).until(() -> scheduledCondition(get("waiting"))
                .map(c -> "False".equals(c.getStatus())).orElse(false));
        assertThat(scheduledCondition(get("waiting")).orElseThrow().getMessage())
                .isEqualTo("no nodes available to schedule pods");

        api.createNode("late", "2", "4Gi", "zone-a");
        // Woken by the node-added event, not by the 5-minute leftover flush.
        await().atMost(Duration.ofSeconds(10)).until(() -> nodeOf(get("waiting")).equals("late"));
        assertThat(scheduledCondition(get("waiting")).orElseThrow().getStatus()).isEqualTo("True");
    }

    @Test
    void aGatedPodIsScheduledOnlyOnceItsLastGateIsRemoved() throws Exception {
        startLeader();
        api.createNode("n1", "2", "4Gi", "zone-a");
        create(new PodBuilder(pod("gated", null)).editSpec().addNewSchedulingGate().withName("example.com/quota")
                .endSchedulingGate().addNewSchedulingGate().withName("example.com/review").endSchedulingGate()
                .endSpec().build());
        create(pod("free", null));
        await().atMost(Duration.ofSeconds(10)).until(() -> nodeOf(get("free")).equals("n1"));
        Thread.sleep(1000);
        assertThat(nodeOf(get("gated"))).as("never tried while gated").isEmpty();
        assertThat(scheduledCondition(get("gated")).orElseThrow().getReason()).isEqualTo("SchedulingGated");
        client.pods().inNamespace("default").withName("gated").edit(p -> new PodBuilder(p).editSpec()
                .removeMatchingFromSchedulingGates(g -> g.getName().equals("example.com/quota")).endSpec().build());
        Thread.sleep(1000);
        assertThat(nodeOf(get("gated"))).as("one gate left").isEmpty();
        client.pods().inNamespace("default").withName("gated").edit(p -> new PodBuilder(p).editSpec()
                .withSchedulingGates().endSpec().build());
        await().atMost(Duration.ofSeconds(10)).until(() -> nodeOf(get("gated")).equals("n1"));
        assertThat(scheduledCondition(get("gated")).orElseThrow().getStatus()).isEqualTo("True");
    }

    @Test
    void twoSchedulersWithLeaderElectionNeverBindAPodTwice() throws Exception {
        api.createNode("n1", "8", "16Gi", "zone-a");
        api.createNode("n2", "8", "16Gi", "zone-b");
        KubernetesClient second = api.newClient();
        extraClients.add(second);
        KajiScheduler a = startScheduler("scheduler-a", client);
        KajiScheduler b = startScheduler("scheduler-b", second);
        await().atMost(Duration.ofSeconds(20)).until(() -> a.isLeading() || b.isLeading());
        assertThat(a.isLeading() && b.isLeading()).isFalse();
        for (int i = 0; i < 10; i++) {
            create(pod("first-" + i, "100m"));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().inNamespace("default").list().getItems()
                .stream().allMatch(p -> !nodeOf(p).isEmpty()));

        KajiScheduler leader = a.isLeading() ? a : b;
        KajiScheduler follower = leader == a ? b : a;
        leader.close(); // gives the lease up
        await().atMost(Duration.ofSeconds(20)).until(follower::isLeading);
        for (int i = 0; i < 10; i++) {
            create(pod("second-" + i, "100m"));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().inNamespace("default").list().getItems()
                .stream().allMatch(p -> !nodeOf(p).isEmpty()));
        assertThat(follower.boundCount()).isEqualTo(10);
        // Every pod was bound exactly once: one Scheduled event each, and no binding was ever refused.
        await().atMost(Duration.ofSeconds(10)).until(() -> client.v1().events().inNamespace("default").list()
                .getItems().stream().filter(e -> "Scheduled".equals(e.getReason())).count() == 20);
        Map<String, Long> scheduledEvents = client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> "Scheduled".equals(e.getReason()))
                .collect(Collectors.groupingBy(e -> e.getInvolvedObject().getName(), Collectors.counting()));
        assertThat(scheduledEvents).hasSize(20).allSatisfy((pod, count) -> assertThat(count).isEqualTo(1L));
        assertThat(client.v1().events().inNamespace("default").list().getItems())
                .noneMatch(e -> "FailedScheduling".equals(e.getReason()));
        var lease = client.leases().inNamespace("kube-system").withName("kaji-scheduler").get();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(follower == a ? "scheduler-a" : "scheduler-b");
    }
}
