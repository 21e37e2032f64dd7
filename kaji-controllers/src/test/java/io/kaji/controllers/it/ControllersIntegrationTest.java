package io.kaji.controllers.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.kaji.controllers.ControllerManager;
import io.kaji.controllers.deployment.DeploymentController;
import io.kaji.controllers.runtime.Pods;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The controllers against a real in-process API server: no mock of the API anywhere. */
class ControllersIntegrationTest {

    private ApiServerFixture api;
    private KubernetesClient client;
    private ControllerManager manager;

    @BeforeEach
    void start() throws Exception {
        api = new ApiServerFixture();
        client = api.client;
        manager = new ControllerManager(client, ControllerManager.Options.defaults("it-cm"), Clock.systemUTC());
        manager.start();
        await().atMost(Duration.ofSeconds(30)).until(manager::isLeading);
    }

    @AfterEach
    void stop() throws Exception {
        heartbeats.shutdownNow();
        if (manager != null) {
            manager.close();
        }
        if (api != null) {
            api.close();
        }
    }

    private List<Pod> activePods(String ns, Map<String, String> labels) {
        return client.pods().inNamespace(ns).withLabels(labels).list().getItems().stream().filter(Pods::isActive).toList();
    }

    private static ReplicaSet replicaSet(String name, int replicas) {
        return new ReplicaSetBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
                .endTemplate().endSpec().build();
    }

    @Test
    void replicaSetScalesUpAndDownAndReportsStatus() {
        client.apps().replicaSets().inNamespace("default").resource(replicaSet("web", 3)).create();

        await().atMost(Duration.ofSeconds(20)).until(() -> activePods("default", Map.of("app", "web")).size() == 3);
        List<Pod> pods = activePods("default", Map.of("app", "web"));
        ReplicaSet rs = client.apps().replicaSets().inNamespace("default").withName("web").get();
        for (Pod p : pods) {
            assertThat(p.getMetadata().getName()).startsWith("web-");
            assertThat(Pods.controllerOf(p)).get().satisfies(ref -> {
                assertThat(ref.getUid()).isEqualTo(rs.getMetadata().getUid());
                assertThat(ref.getKind()).isEqualTo("ReplicaSet");
                assertThat(ref.getBlockOwnerDeletion()).isTrue();
            });
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ReplicaSet now = client.apps().replicaSets().inNamespace("default").withName("web").get();
            return now.getStatus() != null && Objects.equals(now.getStatus().getReplicas(), 3)
                    && Objects.equals(now.getStatus().getObservedGeneration(), now.getMetadata().getGeneration());
        });

        api.markRunningAndReady(pods.get(0));
        await().atMost(Duration.ofSeconds(20)).until(() -> Objects.equals(
                client.apps().replicaSets().inNamespace("default").withName("web").get().getStatus().getReadyReplicas(), 1));

        client.apps().replicaSets().inNamespace("default").withName("web").scale(1);
        await().atMost(Duration.ofSeconds(20)).until(() -> activePods("default", Map.of("app", "web")).size() == 1);
        // The ready pod is the one kept: not-ready pods go first.
        assertThat(activePods("default", Map.of("app", "web")).get(0).getMetadata().getName())
                .isEqualTo(pods.get(0).getMetadata().getName());
        // And it stays at one: no flapping once the deletions are observed.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> activePods("default", Map.of("app", "web")).size() == 1);
        assertThat(client.v1().events().inNamespace("default").list().getItems())
                .extracting(e -> e.getReason()).contains("SuccessfulCreate", "SuccessfulDelete");
    }

    @Test
    void replicaSetAdoptsMatchingOrphansAndReleasesPodsThatStopMatching() {
        Pod orphan = client.pods().inNamespace("default").resource(new PodBuilder()
                .withNewMetadata().withName("orphan").addToLabels("app", "adopt").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
                .build()).create();
        // Ready, so that if the controller's cache had not seen it yet and it made one pod too many, the surplus
        // it removes is one of its own not-ready pods, never the adopted one (Kubernetes' deletion ranking).
        api.markRunningAndReady(orphan);
        client.apps().replicaSets().inNamespace("default").resource(replicaSet("adopt", 2)).create();

        await().atMost(Duration.ofSeconds(20)).until(() -> activePods("default", Map.of("app", "adopt")).size() == 2
                && Pods.controllerOf(client.pods().inNamespace("default").withName("orphan").get()).isPresent());

        // Relabel it: the ReplicaSet releases it and makes a replacement.
        client.pods().inNamespace("default").withName("orphan").edit(p -> {
            p.getMetadata().getLabels().put("app", "other");
            return p;
        });
        await().atMost(Duration.ofSeconds(20)).until(() ->
                Pods.controllerOf(client.pods().inNamespace("default").withName("orphan").get()).isEmpty()
                        && activePods("default", Map.of("app", "adopt")).size() == 2);
        assertThat(orphan.getMetadata().getUid()).isNotBlank();
    }

    private static Deployment deployment(String name, int replicas, String image) {
        return new DeploymentBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxSurge(new IntOrString(1)).withMaxUnavailable(new IntOrString(0)).endRollingUpdate().endStrategy()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage(image).endContainer().endSpec()
                .endTemplate().endSpec().build();
    }

    private boolean rolledOut(String name) {
        Deployment d = client.apps().deployments().inNamespace("default").withName(name).get();
        var s = d.getStatus();
        return s != null && Objects.equals(s.getObservedGeneration(), d.getMetadata().getGeneration())
                && Objects.equals(s.getUpdatedReplicas(), d.getSpec().getReplicas())
                && Objects.equals(s.getReplicas(), d.getSpec().getReplicas())
                && Objects.equals(s.getAvailableReplicas(), d.getSpec().getReplicas());
    }

    @Test
    void rollingUpdateStaysWithinSurgeAndUnavailabilityAtEveryObservedStepAndRollsBack() {
        api.pretendKubelet("default");
        client.apps().deployments().inNamespace("default").resource(deployment("roll", 3, "busybox:1")).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> rolledOut("roll"));

        // Watch every ReplicaSet change during the rollout and check the bounds on each observed state.
        Map<String, ReplicaSet> latest = new ConcurrentHashMap<>();
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        Watch watch = client.apps().replicaSets().inNamespace("default").withLabel("app", "roll").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, ReplicaSet rs) {
                if (action == Action.DELETED) {
                    latest.remove(rs.getMetadata().getName());
                } else {
                    latest.put(rs.getMetadata().getName(), rs);
                }
                int desired = latest.values().stream().mapToInt(r -> r.getSpec().getReplicas()).sum();
                if (desired > 3 + 1) {
                    violations.add("desired pods " + desired + " > replicas + maxSurge (4)");
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        List<Integer> availableSeen = Collections.synchronizedList(new ArrayList<>());
        try {
            client.apps().deployments().inNamespace("default").withName("roll").edit(d -> {
                d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("busybox:2");
                return d;
            });
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                int available = activePods("default", Map.of("app", "roll")).stream().filter(Pods::isReady).toList().size();
                availableSeen.add(available);
                return rolledOut("roll") && client.apps().replicaSets().inNamespace("default").withLabel("app", "roll")
                        .list().getItems().stream().filter(rs -> !rs.getSpec().getTemplate().getSpec().getContainers()
                                .get(0).getImage().equals("busybox:2")).allMatch(rs -> rs.getSpec().getReplicas() == 0);
            });
        } finally {
            watch.close();
        }
        assertThat(violations).isEmpty();
        assertThat(availableSeen).allMatch(n -> n >= 3 - 0);

        List<ReplicaSet> sets = client.apps().replicaSets().inNamespace("default").withLabel("app", "roll").list().getItems();
        assertThat(sets).hasSize(2);
        ReplicaSet v1 = sets.stream().filter(rs -> rs.getSpec().getTemplate().getSpec().getContainers().get(0).getImage().equals("busybox:1")).findFirst().orElseThrow();
        ReplicaSet v2 = sets.stream().filter(rs -> rs.getSpec().getTemplate().getSpec().getContainers().get(0).getImage().equals("busybox:2")).findFirst().orElseThrow();
        assertThat(v1.getMetadata().getAnnotations()).containsEntry(DeploymentController.REVISION, "1");
        assertThat(v2.getMetadata().getAnnotations()).containsEntry(DeploymentController.REVISION, "2");
        assertThat(client.apps().deployments().inNamespace("default").withName("roll").get().getMetadata().getAnnotations())
                .containsEntry(DeploymentController.REVISION, "2");

        // Roll back the way kubectl rollout undo does: put the old template back. The old ReplicaSet is reused.
        client.apps().deployments().inNamespace("default").withName("roll").edit(d -> {
            d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("busybox:1");
            return d;
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> rolledOut("roll")
                && client.apps().replicaSets().inNamespace("default").withName(v1.getMetadata().getName()).get().getSpec().getReplicas() == 3);
        assertThat(client.apps().replicaSets().inNamespace("default").withName(v1.getMetadata().getName()).get()
                .getMetadata().getAnnotations()).containsEntry(DeploymentController.REVISION, "3");
        assertThat(client.apps().replicaSets().inNamespace("default").withLabel("app", "roll").list().getItems()).hasSize(2);
        Deployment done = client.apps().deployments().inNamespace("default").withName("roll").get();
        assertThat(done.getStatus().getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Progressing");
            assertThat(c.getReason()).isEqualTo("NewReplicaSetAvailable");
        });
        assertThat(done.getStatus().getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Available");
            assertThat(c.getStatus()).isEqualTo("True");
        });
    }

    @Test
    void deletingADeploymentInTheBackgroundCollectsItsReplicaSetsAndPods() {
        client.apps().deployments().inNamespace("default").resource(deployment("gone", 2, "busybox:1")).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> activePods("default", Map.of("app", "gone")).size() == 2);

        client.apps().deployments().inNamespace("default").withName("gone").withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();

        await().atMost(Duration.ofSeconds(30)).until(() ->
                client.apps().replicaSets().inNamespace("default").withLabel("app", "gone").list().getItems().isEmpty()
                        && client.pods().inNamespace("default").withLabel("app", "gone").list().getItems().isEmpty());
    }

    @Test
    void aSecretOwnedByAConfigMapIsCollectedWithIt() {
        // Kinds no workload controller owns: the collector sees them through the controller manager's typed
        // ConfigMap and Secret informers.
        ConfigMap owner = client.configMaps().inNamespace("default").resource(new ConfigMapBuilder()
                .withNewMetadata().withName("gc-owner").endMetadata().addToData("k", "v").build()).create();
        client.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata()
                .withName("gc-dependent").addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap")
                .withName("gc-owner").withUid(owner.getMetadata().getUid()).endOwnerReference().endMetadata()
                .addToStringData("k", "v").build()).create();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .until(() -> client.secrets().inNamespace("default").withName("gc-dependent").get() != null);

        client.configMaps().inNamespace("default").withName("gc-owner").delete();

        await().atMost(Duration.ofSeconds(30))
                .until(() -> client.secrets().inNamespace("default").withName("gc-dependent").get() == null);
    }

    @Test
    void aSecondControllerManagerTakesOverWhenTheLeaderStops() throws Exception {
        try (KubernetesClient second = api.newClient()) {
            ControllerManager standby = new ControllerManager(second,
                    ControllerManager.Options.defaults("it-cm-2").withLease(Duration.ofSeconds(4), Duration.ofSeconds(3),
                            Duration.ofMillis(500)), Clock.systemUTC());
            standby.start();
            try {
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !standby.isLeading());
                long t0 = System.nanoTime();
                manager.close();
                manager = null;
                await().atMost(Duration.ofSeconds(15)).until(standby::isLeading);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
                // The new leader works: a ReplicaSet gets its pods.
                client.apps().replicaSets().inNamespace("default").resource(replicaSet("after", 2)).create();
                await().atMost(Duration.ofSeconds(20)).until(() -> activePods("default", Map.of("app", "after")).size() == 2);
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                        .until(() -> activePods("default", Map.of("app", "after")).size() == 2);
            } finally {
                standby.close();
            }
        }
    }

    @Test
    void everyNamespaceGetsTheDefaultServiceAccountAndTheRootCa() {
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                .withNewMetadata().withName("team-a").endMetadata().build()).create();
        await().atMost(Duration.ofSeconds(20)).until(() ->
                client.serviceAccounts().inNamespace("team-a").withName("default").get() != null
                        && client.configMaps().inNamespace("team-a").withName("kube-root-ca.crt").get() != null);
        assertThat(client.configMaps().inNamespace("team-a").withName("kube-root-ca.crt").get().getData().get("ca.crt"))
                .startsWith("-----BEGIN CERTIFICATE-----");

        client.serviceAccounts().inNamespace("team-a").withName("default").delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            var sa = client.serviceAccounts().inNamespace("team-a").withName("default").get();
            return sa != null && sa.getMetadata().getDeletionTimestamp() == null;
        });
        // The namespaces that exist from the start have them too.
        assertThat(client.serviceAccounts().inNamespace("default").withName("default").get()).isNotNull();
    }

    private void finishPod(Pod p, String phase, int exitCode) {
        String now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        Pod done = new PodBuilder(p).editOrNewStatus().withPhase(phase)
                .withContainerStatuses().addNewContainerStatus().withName("c").withImage("busybox:1").withReady(false)
                .withRestartCount(0).withNewState().withNewTerminated().withExitCode(exitCode)
                .withReason(exitCode == 0 ? "Completed" : "Error").withFinishedAt(now).endTerminated().endState()
                .endContainerStatus().endStatus().build();
        done.getMetadata().setResourceVersion(null);
        client.pods().inNamespace("default").resource(done).updateStatus();
    }

    private io.fabric8.kubernetes.api.model.batch.v1.Job job(String name, int completions, int backoffLimit) {
        return new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withCompletions(completions).withParallelism(1).withBackoffLimit(backoffLimit).withManualSelector(true)
                .withNewSelector().addToMatchLabels("job", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("job", name).endMetadata()
                .withNewSpec().withRestartPolicy("Never").addNewContainer().withName("c").withImage("busybox:1").endContainer()
                .endSpec().endTemplate().endSpec().build();
    }

    private List<Pod> jobPods(String name) {
        return client.pods().inNamespace("default").withLabel("job", name).list().getItems();
    }

    @Test
    void aJobRunsItsCompletionsOneAtATimeAndCompletes() {
        client.batch().v1().jobs().inNamespace("default").resource(job("twice", 2, 6)).create();
        for (int round = 1; round <= 2; round++) {
            int expected = round;
            await().atMost(Duration.ofSeconds(20)).until(() -> jobPods("twice").size() == expected
                    && jobPods("twice").stream().filter(Pods::isActive).count() == 1);
            Pod running = jobPods("twice").stream().filter(Pods::isActive).findFirst().orElseThrow();
            assertThat(running.getMetadata().getLabels()).containsKeys("batch.kubernetes.io/job-name", "job-name");
            finishPod(running, "Succeeded", 0);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            var status = client.batch().v1().jobs().inNamespace("default").withName("twice").get().getStatus();
            return status != null && status.getConditions() != null && status.getConditions().stream()
                    .anyMatch(c -> c.getType().equals("Complete") && c.getStatus().equals("True"));
        });
        var status = client.batch().v1().jobs().inNamespace("default").withName("twice").get().getStatus();
        assertThat(status.getSucceeded()).isEqualTo(2);
        assertThat(status.getCompletionTime()).isNotNull();
        assertThat(jobPods("twice")).hasSize(2);
    }

    @Test
    void aJobThatFailsBeyondItsBackoffLimitIsFailed() {
        client.batch().v1().jobs().inNamespace("default").resource(job("broken", 1, 0)).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> jobPods("broken").size() == 1);
        finishPod(jobPods("broken").get(0), "Failed", 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            var s = client.batch().v1().jobs().inNamespace("default").withName("broken").get().getStatus();
            return s != null && s.getConditions() != null && s.getConditions().stream()
                    .anyMatch(c -> c.getType().equals("Failed") && "BackoffLimitExceeded".equals(c.getReason()));
        });
        // No retry after the limit.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> jobPods("broken").size() == 1);
    }

    @Test
    void aPodFailurePolicyIgnoresOneExitCodeAndFailsTheJobOnAnother() {
        var j = job("policy", 1, 0);
        j.getSpec().setPodFailurePolicy(new io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder()
                .addNewRule().withAction("Ignore").withNewOnExitCodes().withOperator("In").withValues(137)
                .endOnExitCodes().endRule()
                .addNewRule().withAction("FailJob").withNewOnExitCodes().withContainerName("c").withOperator("In")
                .withValues(42).endOnExitCodes().endRule().build());
        client.batch().v1().jobs().inNamespace("default").resource(j).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> jobPods("policy").size() == 1);
        // exit 137 is ignored: with backoffLimit 0 the Job still retries, and status.failed stays 0
        finishPod(jobPods("policy").get(0), "Failed", 137);
        await().atMost(Duration.ofSeconds(20)).until(() -> jobPods("policy").stream().anyMatch(Pods::isActive));
        assertThat(client.batch().v1().jobs().inNamespace("default").withName("policy").get().getStatus().getFailed())
                .isIn(null, 0);
        Pod retry = jobPods("policy").stream().filter(Pods::isActive).findFirst().orElseThrow();
        finishPod(retry, "Failed", 42);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            var st = client.batch().v1().jobs().inNamespace("default").withName("policy").get().getStatus();
            return st != null && st.getConditions() != null && st.getConditions().stream()
                    .anyMatch(c -> c.getType().equals("Failed") && "PodFailurePolicy".equals(c.getReason()));
        });
        var failed = client.batch().v1().jobs().inNamespace("default").withName("policy").get().getStatus()
                .getConditions().stream().filter(c -> c.getType().equals("Failed")).findFirst().orElseThrow();
        assertThat(failed.getMessage()).isEqualTo("Container c for pod default/" + retry.getMetadata().getName()
                + " failed with exit code 42 matching FailJob rule at index 1");
    }

    @Test
    void aDaemonSetFollowsNodesJoiningAndLeaving() {
        for (String n : List.of("n1", "n2")) {
            readyNode(n);
        }
        client.apps().daemonSets().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder()
                .withNewMetadata().withName("agent").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "agent").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> daemonNodes().equals(java.util.Set.of("n1", "n2")));

        readyNode("n3");
        await().atMost(Duration.ofSeconds(20)).until(() -> daemonNodes().equals(java.util.Set.of("n1", "n2", "n3")));

        client.nodes().withName("n1").delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> daemonNodes().equals(java.util.Set.of("n2", "n3")));
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            var s = client.apps().daemonSets().inNamespace("default").withName("agent").get().getStatus();
            return s != null && Objects.equals(s.getDesiredNumberScheduled(), 2) && Objects.equals(s.getCurrentNumberScheduled(), 2);
        });
    }

    /** A Ready node that keeps renewing its Lease while the test runs (no node agent runs here). */
    private void readyNode(String name) {
        client.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName(name)
                .addToLabels("kubernetes.io/hostname", name).endMetadata()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("True")
                .withLastHeartbeatTime(java.time.Instant.now().toString()).endCondition().endStatus().build()).create();
        client.leases().inNamespace("kube-node-lease").resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                .withNewMetadata().withName(name).endMetadata().withNewSpec().withHolderIdentity(name)
                .withRenewTime(java.time.ZonedDateTime.now()).endSpec().build()).create();
        heartbeats.scheduleAtFixedRate(() -> {
            try {
                var lease = client.leases().inNamespace("kube-node-lease").withName(name).get();
                if (lease != null) {
                    lease.getSpec().setRenewTime(java.time.ZonedDateTime.now());
                    client.leases().inNamespace("kube-node-lease").resource(lease).update();
                }
            } catch (RuntimeException e) {
                // the API server goes away when the test ends
            }
        }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    private final java.util.concurrent.ScheduledExecutorService heartbeats =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

    private java.util.Set<String> daemonNodes() {
        return activePods("default", Map.of("app", "agent")).stream()
                .map(io.kaji.controllers.daemonset.DaemonSetController::targetNode)
                .collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void aStatefulSetCreatesPodsInOrderWithClaimsAndScalesDownFromTheTop() {
        List<String> createdOrder = Collections.synchronizedList(new ArrayList<>());
        Watch order = client.pods().inNamespace("default").withLabel("app", "db").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                if (action == Action.ADDED) {
                    createdOrder.add(pod.getMetadata().getName());
                    api.markRunningAndReady(pod); // stands in for the node agent
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        try {
            client.apps().statefulSets().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder()
                    .withNewMetadata().withName("db").endMetadata()
                    .withNewSpec().withReplicas(3).withServiceName("db")
                    .withNewSelector().addToMatchLabels("app", "db").endSelector()
                    .withNewTemplate().withNewMetadata().addToLabels("app", "db").endMetadata()
                    .withNewSpec().addNewContainer().withName("c").withImage("busybox:1")
                    .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount().endContainer().endSpec()
                    .endTemplate()
                    .addNewVolumeClaimTemplate().withNewMetadata().withName("data").endMetadata()
                    .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                    .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi")).endResources().endSpec()
                    .endVolumeClaimTemplate()
                    .endSpec().build()).create();

            await().atMost(Duration.ofSeconds(30)).until(() -> activePods("default", Map.of("app", "db")).size() == 3
                    && activePods("default", Map.of("app", "db")).stream().allMatch(Pods::isReady));
            assertThat(createdOrder).containsExactly("db-0", "db-1", "db-2");
            for (int i = 0; i < 3; i++) {
                assertThat(client.persistentVolumeClaims().inNamespace("default").withName("data-db-" + i).get()).isNotNull();
                Pod p = client.pods().inNamespace("default").withName("db-" + i).get();
                assertThat(p.getSpec().getHostname()).isEqualTo("db-" + i);
                assertThat(p.getSpec().getSubdomain()).isEqualTo("db");
                assertThat(p.getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getPersistentVolumeClaim().getClaimName())
                        .isEqualTo("data-db-" + Integer.parseInt(p.getMetadata().getName().substring(3))));
            }

            // A template change rolls the pods from the top; until all are at the new revision the status keeps the
            // old one as current, with the pods still at it as currentReplicas.
            var sets = client.apps().statefulSets().inNamespace("default");
            // Partition 2: only db-2 takes the new template, db-0 and db-1 stay at the current revision.
            sets.withName("db").edit(s -> new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder(s).editSpec()
                    .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate().withPartition(2)
                    .endRollingUpdate().endUpdateStrategy()
                    .editTemplate().editMetadata().addToAnnotations("restartedAt", "now").endMetadata().endTemplate()
                    .endSpec().build());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                var st = sets.withName("db").get().getStatus();
                assertThat(st.getUpdateRevision()).isNotEqualTo(st.getCurrentRevision());
                assertThat(st.getUpdatedReplicas()).isEqualTo(1);
                assertThat(st.getCurrentReplicas()).as("db-0 and db-1 at the current revision").isEqualTo(2);
            });
            sets.withName("db").edit(s -> new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder(s).editSpec()
                    .editUpdateStrategy().editRollingUpdate().withPartition(0).endRollingUpdate().endUpdateStrategy()
                    .endSpec().build());
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                var st = sets.withName("db").get().getStatus();
                assertThat(st.getCurrentRevision()).isEqualTo(st.getUpdateRevision());
                assertThat(st.getCurrentReplicas()).isEqualTo(3);
                assertThat(st.getUpdatedReplicas()).isEqualTo(3);
            });

            client.apps().statefulSets().inNamespace("default").withName("db").scale(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> activePods("default", Map.of("app", "db")).stream()
                    .map(p -> p.getMetadata().getName()).toList().equals(List.of("db-0")));
            // Claims outlive the pods, so a scale-up gets its data back.
            assertThat(client.persistentVolumeClaims().inNamespace("default").withName("data-db-2").get()).isNotNull();
        } finally {
            order.close();
        }
    }

    @Test
    void orphanDeletionKeepsTheReplicaSetAndForegroundDeletionWaitsForDependents() {
        client.apps().deployments().inNamespace("default").resource(deployment("orph", 1, "busybox:1")).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> activePods("default", Map.of("app", "orph")).size() == 1);
        client.apps().deployments().inNamespace("default").withName("orph").withPropagationPolicy(DeletionPropagation.ORPHAN).delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace("default").withName("orph").get() == null);
        ReplicaSet left = client.apps().replicaSets().inNamespace("default").withLabel("app", "orph").list().getItems().get(0);
        assertThat(left.getMetadata().getOwnerReferences()).isNullOrEmpty();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> activePods("default", Map.of("app", "orph")).size() == 1);

        client.apps().deployments().inNamespace("default").resource(deployment("fg", 2, "busybox:1")).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> activePods("default", Map.of("app", "fg")).size() == 2);
        client.apps().deployments().inNamespace("default").withName("fg").withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
        // The Deployment is gone only after its ReplicaSet and pods.
        await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace("default").withName("fg").get() == null);
        assertThat(client.apps().replicaSets().inNamespace("default").withLabel("app", "fg").list().getItems()).isEmpty();
        assertThat(activePods("default", Map.of("app", "fg"))).isEmpty();
    }
}
