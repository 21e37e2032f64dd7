package io.kaji.support.assess;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the pod specifications to judge, once each: a finding on a pod template is reported against the
 * controller that owns the template (Deployment, StatefulSet, DaemonSet, CronJob, or a ReplicaSet or Job no
 * controller owns) and not again for the ReplicaSets, Jobs and pods made from it. A pod whose controller is of
 * another kind (a custom operator, a Node for static pods) or that has none is reported itself.
 */
public final class Workloads {

    /** Controllers whose pods are covered by the controller's template. */
    private static final Set<String> POD_CONTROLLERS = Set.of("ReplicaSet", "StatefulSet", "DaemonSet", "Job");

    private Workloads() {
    }

    /**
     * The workloads of {@code cluster}. An object without a pod spec (malformed, or a partial object from a
     * restricted view) has nothing to judge and is skipped.
     */
    public static List<Workload> of(ClusterSnapshot cluster) {
        List<Workload> out = new ArrayList<>();
        for (Deployment d : cluster.list(ResourceKind.DEPLOYMENTS, Deployment.class)) {
            if (d.getSpec() != null) {
                template(d, "Deployment", d.getSpec().getTemplate(), d.getSpec().getReplicas(), out,
                        d.getSpec().getSelector());
            }
        }
        for (StatefulSet s : cluster.list(ResourceKind.STATEFULSETS, StatefulSet.class)) {
            if (s.getSpec() != null) {
                template(s, "StatefulSet", s.getSpec().getTemplate(), s.getSpec().getReplicas(), out,
                        s.getSpec().getSelector());
            }
        }
        for (DaemonSet s : cluster.list(ResourceKind.DAEMONSETS, DaemonSet.class)) {
            if (s.getSpec() != null) {
                template(s, "DaemonSet", s.getSpec().getTemplate(), null, out, s.getSpec().getSelector());
            }
        }
        for (ReplicaSet r : cluster.list(ResourceKind.REPLICASETS, ReplicaSet.class)) {
            if (r.getSpec() != null && controller(r).isEmpty()) {
                template(r, "ReplicaSet", r.getSpec().getTemplate(), r.getSpec().getReplicas(), out,
                        r.getSpec().getSelector());
            }
        }
        for (Job j : cluster.list(ResourceKind.JOBS, Job.class)) {
            if (j.getSpec() != null && controller(j).isEmpty()) {
                template(j, "Job", j.getSpec().getTemplate(), null, out, null);
            }
        }
        for (CronJob c : cluster.list(ResourceKind.CRONJOBS, CronJob.class)) {
            if (c.getSpec() != null && c.getSpec().getJobTemplate() != null
                    && c.getSpec().getJobTemplate().getSpec() != null) {
                PodTemplateSpec t = c.getSpec().getJobTemplate().getSpec().getTemplate();
                if (t != null && t.getSpec() != null) {
                    out.add(new Workload(ref(c, "CronJob"), c, meta(t.getMetadata()), t.getSpec(),
                            "spec.jobTemplate.spec.template.spec", null, null));
                }
            }
        }
        for (Pod p : cluster.pods()) {
            boolean covered = controller(p).map(o -> POD_CONTROLLERS.contains(o.getKind())).orElse(false);
            if (!covered && p.getSpec() != null) {
                out.add(new Workload(ref(p, "Pod"), p, meta(p.getMetadata()), p.getSpec(), "spec", null, null));
            }
        }
        return out;
    }

    private static void template(HasMetadata owner, String kind, PodTemplateSpec t, Integer replicas,
                                 List<Workload> out, io.fabric8.kubernetes.api.model.LabelSelector selector) {
        if (t == null || t.getSpec() == null) {
            return;
        }
        PodSpec spec = t.getSpec();
        out.add(new Workload(ref(owner, kind), owner, meta(t.getMetadata()), spec, "spec.template.spec",
                replicas == null && !kind.equals("DaemonSet") && !kind.equals("Job") ? Integer.valueOf(1) : replicas,
                selector));
    }

    private static ObjectMeta meta(ObjectMeta m) {
        return m != null ? m : new ObjectMeta();
    }

    static ObjectRef ref(HasMetadata o, String kind) {
        return new ObjectRef(kind, o.getMetadata().getNamespace(), o.getMetadata().getName());
    }

    /** The owner reference marked controller, if any. */
    static Optional<OwnerReference> controller(HasMetadata o) {
        List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
        if (refs == null) {
            return Optional.empty();
        }
        return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
    }
}
