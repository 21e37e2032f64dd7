package io.kaji.support.diagnose;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Deployments, ReplicaSets, StatefulSets and DaemonSets short of their declared replicas: not progressing (the
 * progress deadline passed), pods that cannot even be created (FailedCreate: quota, admission, Pod Security), and
 * sets with fewer ready pods than desired. The pods' own problems are diagnosed by the Pod analyzer; these
 * diagnoses point to them.
 */
public final class WorkloadAnalyzer implements Analyzer {

    static final String NAME = "Workload";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context) {
        List<Diagnosis> out = new ArrayList<>();
        for (Deployment d : cluster.deployments()) {
            deployment(d, out);
        }
        for (ReplicaSet rs : cluster.replicaSets()) {
            failedCreate(cluster, "ReplicaSet", rs.getMetadata().getNamespace(), rs.getMetadata().getName(), out);
        }
        for (StatefulSet s : cluster.statefulSets()) {
            int want = s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas();
            int ready = s.getStatus() == null || s.getStatus().getReadyReplicas() == null ? 0
                    : s.getStatus().getReadyReplicas();
            if (!failedCreate(cluster, "StatefulSet", s.getMetadata().getNamespace(), s.getMetadata().getName(), out)
                    && ready < want) {
                out.add(short_(s.getMetadata().getNamespace(), "StatefulSet", s.getMetadata().getName(), ready, want,
                        "a StatefulSet starts pod N+1 only when pod N is ready: the first unready pod blocks the "
                                + "rest"));
            }
        }
        for (DaemonSet ds : cluster.daemonSets()) {
            var st = ds.getStatus();
            if (st == null) {
                continue;
            }
            int want = st.getDesiredNumberScheduled() == null ? 0 : st.getDesiredNumberScheduled();
            int ready = st.getNumberReady() == null ? 0 : st.getNumberReady();
            if (!failedCreate(cluster, "DaemonSet", ds.getMetadata().getNamespace(), ds.getMetadata().getName(), out)
                    && ready < want) {
                out.add(short_(ds.getMetadata().getNamespace(), "DaemonSet", ds.getMetadata().getName(), ready, want,
                        "some of its node-local pods are not ready"));
            }
        }
        return out;
    }

    private void deployment(Deployment d, List<Diagnosis> out) {
        String ns = d.getMetadata().getNamespace();
        String name = d.getMetadata().getName();
        int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        var st = d.getStatus();
        int available = st == null || st.getAvailableReplicas() == null ? 0 : st.getAvailableReplicas();
        DeploymentCondition progressing = condition(d, "Progressing");
        DeploymentCondition failure = condition(d, "ReplicaFailure");
        List<String> evidence = new ArrayList<>();
        evidence.add("available " + available + "/" + want + ", updated "
                + (st == null || st.getUpdatedReplicas() == null ? 0 : st.getUpdatedReplicas()));
        if (failure != null && "True".equals(failure.getStatus())) {
            evidence.add("condition ReplicaFailure: " + failure.getReason() + ": " + failure.getMessage());
            out.add(new Diagnosis(NAME, Severity.ERROR, "Deployment", ns, name, "cannot create its pods",
                    failure.getMessage(), evidence, "fix what refuses the pods (quota, admission or Pod Security "
                            + "policy); kubectl describe rs -n " + ns + " shows the FailedCreate events"));
            return;
        }
        if (progressing != null && "False".equals(progressing.getStatus())
                && "ProgressDeadlineExceeded".equals(progressing.getReason())) {
            evidence.add("condition Progressing=False ProgressDeadlineExceeded: " + progressing.getMessage());
            out.add(new Diagnosis(NAME, Severity.ERROR, "Deployment", ns, name,
                    "rollout stuck: no progress within progressDeadlineSeconds",
                    "its new pods do not become available (see the Pod diagnoses of its pods)", evidence,
                    "fix the new pods, or roll back: kubectl rollout undo deployment/" + name + " -n " + ns));
            return;
        }
        if (available < want && !Boolean.TRUE.equals(d.getSpec().getPaused())) {
            out.add(short_(ns, "Deployment", name, available, want, "its pods are not all available"));
        }
    }

    /** Adds a diagnosis for recent FailedCreate events of a controller; true if there were any. */
    private boolean failedCreate(ClusterSnapshot cluster, String kind, String ns, String name, List<Diagnosis> out) {
        List<Event> failed = cluster.eventsFor(kind, ns, name).stream()
                .filter(e -> "FailedCreate".equals(e.getReason())).toList();
        if (failed.isEmpty()) {
            return false;
        }
        Event last = failed.get(failed.size() - 1);
        out.add(new Diagnosis(NAME, Severity.ERROR, kind, ns, name, "cannot create its pods",
                last.getMessage(), List.of("event FailedCreate" + (last.getCount() != null && last.getCount() > 1
                        ? " (x" + last.getCount() + ")" : "") + ": " + last.getMessage()),
                "fix what refuses the pods: a ResourceQuota, an admission webhook or the namespace's Pod Security "
                        + "level (the message names it)"));
        return true;
    }

    private static Diagnosis short_(String ns, String kind, String name, int ready, int want, String cause) {
        return new Diagnosis(NAME, Severity.WARNING, kind, ns, name, ready + " of " + want + " pods ready", cause,
                List.of("ready " + ready + ", desired " + want), "see the diagnoses of its pods: kubectl get pods -n "
                        + ns + " and kaji diagnose -n " + ns);
    }

    private static DeploymentCondition condition(Deployment d, String type) {
        if (d.getStatus() == null || d.getStatus().getConditions() == null) {
            return null;
        }
        return d.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }
}
