package io.kaji.controllers.disruption;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.Handlers;
import io.kaji.controllers.runtime.Keys;
import io.kaji.controllers.runtime.Pods;
import io.kaji.controllers.runtime.Reconciler;
import io.kaji.controllers.runtime.Selectors;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Keeps every PodDisruptionBudget's status true, as Kubernetes' disruption controller does: how many of its pods are
 * healthy (Ready and not being deleted), how many must stay healthy ({@code minAvailable}, or the expected count
 * minus {@code maxUnavailable}; percentages of the owning controllers' scale, rounded up), and so how many
 * disruptions the eviction API may grant now. Pods an eviction took a disruption for ({@code disruptedPods}) do not
 * count as healthy until they are gone or two minutes have passed without their deletion being seen.
 */
public final class DisruptionController implements Reconciler {

    /** How long a granted disruption waits for its pod's deletion before it is given back (Kubernetes: 2 min). */
    static final Duration DELETION_TIMEOUT = Duration.ofMinutes(2);

    private final KubernetesClient client;
    private final SharedIndexInformer<PodDisruptionBudget> budgets;
    private final SharedIndexInformer<Pod> pods;
    private final Clock clock;
    private final Controller controller;

    public DisruptionController(KubernetesClient client, SharedIndexInformer<PodDisruptionBudget> budgets,
            SharedIndexInformer<Pod> pods, Clock clock, int workers) {
        this.client = client;
        this.budgets = budgets;
        this.pods = pods;
        this.clock = clock;
        this.controller = new Controller("disruption", this, workers);
        budgets.addEventHandler(Handlers.onAnyChange(b -> controller.enqueue(Keys.of(b))));
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                podChanged(p, null);
            }

            @Override
            public void onUpdate(Pod old, Pod p) {
                podChanged(p, old);
            }

            @Override
            public void onDelete(Pod p, boolean unknownFinalState) {
                podChanged(p, null);
            }
        });
    }

    public Controller controller() {
        return controller;
    }

    /** Enqueues the budgets selecting the pod now or before. */
    private void podChanged(Pod pod, Pod old) {
        for (PodDisruptionBudget b : budgets.getStore().list()) {
            if (!Objects.equals(b.getMetadata().getNamespace(), pod.getMetadata().getNamespace())) {
                continue;
            }
            if (Selectors.matches(b.getSpec().getSelector(), pod.getMetadata().getLabels())
                    || (old != null && Selectors.matches(b.getSpec().getSelector(), old.getMetadata().getLabels()))) {
                controller.enqueue(Keys.of(b));
            }
        }
    }

    @Override
    public Result reconcile(String key) {
        PodDisruptionBudget pdb = budgets.getStore().getByKey(key);
        if (pdb == null || pdb.getMetadata().getDeletionTimestamp() != null) {
            return Result.done();
        }
        String ns = pdb.getMetadata().getNamespace();
        List<Pod> selected = pods.getStore().list().stream()
                .filter(p -> ns.equals(p.getMetadata().getNamespace()))
                .filter(p -> Selectors.matches(pdb.getSpec().getSelector(), p.getMetadata().getLabels()))
                .toList();
        Instant now = clock.instant();
        Map<String, String> disrupted = new HashMap<>();
        Instant nextExpiry = null;
        Map<String, String> previous = pdb.getStatus() == null || pdb.getStatus().getDisruptedPods() == null
                ? Map.of() : pdb.getStatus().getDisruptedPods();
        Set<String> present = new LinkedHashSet<>();
        selected.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .forEach(p -> present.add(p.getMetadata().getName()));
        for (Map.Entry<String, String> e : previous.entrySet()) {
            Instant at = parse(e.getValue());
            if (!present.contains(e.getKey()) || at == null) {
                continue; // gone (or being deleted): the disruption happened
            }
            Instant expiry = at.plus(DELETION_TIMEOUT);
            if (expiry.isAfter(now)) {
                disrupted.put(e.getKey(), e.getValue());
                nextExpiry = nextExpiry == null || expiry.isBefore(nextExpiry) ? expiry : nextExpiry;
            }
        }
        int healthy = (int) selected.stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && Pods.isReady(p))
                .filter(p -> !disrupted.containsKey(p.getMetadata().getName()))
                .count();
        Expected expected = expected(pdb, selected);
        int allowed = expected.failed() ? 0 : Math.max(0, healthy - expected.desiredHealthy());
        boolean ok = allowed > 0;
        Condition condition = new ConditionBuilder().withType("DisruptionAllowed")
                .withStatus(ok ? "True" : "False")
                .withReason(expected.failed() ? "SyncFailed" : ok ? "SufficientPods" : "InsufficientPods")
                .withMessage(expected.failed() ? expected.error() : "")
                .withObservedGeneration(pdb.getMetadata().getGeneration())
                .withLastTransitionTime(transitionTime(pdb, ok ? "True" : "False", now))
                .build();
        PodDisruptionBudgetStatus status = new PodDisruptionBudgetStatusBuilder()
                .withObservedGeneration(pdb.getMetadata().getGeneration())
                .withCurrentHealthy(healthy)
                .withDesiredHealthy(expected.desiredHealthy())
                .withExpectedPods(expected.count())
                .withDisruptionsAllowed(allowed)
                .withDisruptedPods(disrupted.isEmpty() ? null : disrupted)
                .withConditions(condition)
                .build();
        if (!sameStatus(pdb.getStatus(), status)) {
            pdb.setStatus(status);
            client.policy().v1().podDisruptionBudget().inNamespace(ns).resource(pdb).updateStatus();
        }
        return nextExpiry == null ? Result.done() : Result.requeueAfter(Duration.between(now, nextExpiry)
                .plusMillis(100));
    }

    /** The expected pod count and the healthy pods required, or why they cannot be computed. */
    record Expected(int count, int desiredHealthy, String error) {
        boolean failed() {
            return error != null;
        }
    }

    /** Kubernetes' getExpectedPodCount. */
    Expected expected(PodDisruptionBudget pdb, List<Pod> selected) {
        IntOrString maxUnavailable = pdb.getSpec().getMaxUnavailable();
        IntOrString minAvailable = pdb.getSpec().getMinAvailable();
        if (maxUnavailable != null) {
            Integer scale = controllersScale(selected);
            if (scale == null) {
                return new Expected(0, 0, "found no controllers for pods selected by the budget");
            }
            int unavailable = scaled(maxUnavailable, scale, true);
            return new Expected(scale, Math.max(0, scale - unavailable), null);
        }
        if (minAvailable != null) {
            if (minAvailable.getIntVal() != null) {
                return new Expected(selected.size(), minAvailable.getIntVal(), null);
            }
            Integer scale = controllersScale(selected);
            if (scale == null) {
                return new Expected(0, 0, "found no controllers for pods selected by the budget");
            }
            return new Expected(scale, scaled(minAvailable, scale, true), null);
        }
        return new Expected(selected.size(), 0, null);
    }

    /** An int, or a percentage of {@code total} rounded up (as intstr.GetScaledValueFromIntOrPercent). */
    static int scaled(IntOrString v, int total, boolean roundUp) {
        if (v.getIntVal() != null) {
            return v.getIntVal();
        }
        String s = v.getStrVal().trim();
        if (!s.endsWith("%")) {
            return Integer.parseInt(s);
        }
        double pct = Double.parseDouble(s.substring(0, s.length() - 1));
        double exact = pct * total / 100.0;
        return (int) (roundUp ? Math.ceil(exact) : Math.floor(exact));
    }

    /** The sum of the scale of the controllers owning the pods (each counted once), or null if a pod has none. */
    private Integer controllersScale(List<Pod> selected) {
        Map<String, Integer> scales = new HashMap<>();
        for (Pod p : selected) {
            OwnerReference ref = Pods.controllerOf(p).orElse(null);
            if (ref == null) {
                return null;
            }
            if (scales.containsKey(ref.getUid())) {
                continue;
            }
            String ns = p.getMetadata().getNamespace();
            Integer scale = switch (ref.getKind()) {
                case "ReplicaSet" -> {
                    ReplicaSet rs = client.apps().replicaSets().inNamespace(ns).withName(ref.getName()).get();
                    yield rs == null ? null : replicasOfDeploymentOr(rs);
                }
                case "StatefulSet" -> {
                    StatefulSet ss = client.apps().statefulSets().inNamespace(ns).withName(ref.getName()).get();
                    yield ss == null || ss.getSpec().getReplicas() == null ? 1 : ss.getSpec().getReplicas();
                }
                case "ReplicationController" -> {
                    var rc = client.replicationControllers().inNamespace(ns).withName(ref.getName()).get();
                    yield rc == null || rc.getSpec().getReplicas() == null ? 1 : rc.getSpec().getReplicas();
                }
                default -> null;
            };
            if (scale == null) {
                return null;
            }
            scales.put(ref.getUid(), scale);
        }
        return scales.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** A ReplicaSet owned by a Deployment counts with the Deployment's replicas (rolling updates keep two sets). */
    private Integer replicasOfDeploymentOr(ReplicaSet rs) {
        var owner = Pods.controllerOf(rs).orElse(null);
        if (owner != null && "Deployment".equals(owner.getKind())) {
            var d = client.apps().deployments().inNamespace(rs.getMetadata().getNamespace()).withName(owner.getName())
                    .get();
            if (d != null) {
                return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
            }
        }
        return rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    }

    private static String transitionTime(PodDisruptionBudget pdb, String status, Instant now) {
        if (pdb.getStatus() != null && pdb.getStatus().getConditions() != null) {
            for (Condition c : pdb.getStatus().getConditions()) {
                if ("DisruptionAllowed".equals(c.getType()) && status.equals(c.getStatus())
                        && c.getLastTransitionTime() != null) {
                    return c.getLastTransitionTime();
                }
            }
        }
        return now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    private static boolean sameStatus(PodDisruptionBudgetStatus a, PodDisruptionBudgetStatus b) {
        if (a == null) {
            return false;
        }
        Map<String, String> da = a.getDisruptedPods() == null || a.getDisruptedPods().isEmpty() ? null
                : a.getDisruptedPods();
        return Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
                && Objects.equals(a.getCurrentHealthy(), b.getCurrentHealthy())
                && Objects.equals(a.getDesiredHealthy(), b.getDesiredHealthy())
                && Objects.equals(a.getExpectedPods(), b.getExpectedPods())
                && Objects.equals(a.getDisruptionsAllowed(), b.getDisruptionsAllowed())
                && Objects.equals(da, b.getDisruptedPods())
                && Objects.equals(a.getConditions(), b.getConditions());
    }

    private static Instant parse(String s) {
        try {
            return s == null ? null : Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
