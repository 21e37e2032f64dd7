package io.kaji.support.assess;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pod specification the assessment judges, and the object it is reported against: a Deployment, StatefulSet,
 * DaemonSet, ReplicaSet or Job without an owning controller, a CronJob, or a pod no controller owns.
 *
 * @param ref the object findings name
 * @param object the object itself
 * @param podMetadata the pod template's metadata (the pod's own for a bare pod); never null
 * @param spec the pod spec; never null
 * @param specPath the path of {@code spec} in the object, for evidence ({@code spec.template.spec})
 * @param replicas the desired replicas for Deployments, StatefulSets and ReplicaSets, else null
 * @param selector the pod selector of a controller, else null
 */
public record Workload(ObjectRef ref, HasMetadata object, ObjectMeta podMetadata, PodSpec spec, String specPath,
                       Integer replicas, LabelSelector selector) {

    /** Every container of the spec: init containers, containers, then ephemeral containers. */
    public List<ContainerView> containers() {
        List<ContainerView> out = new ArrayList<>();
        for (Container c : nonNull(spec.getInitContainers())) {
            out.add(ContainerView.of(c, specPath + ".initContainers[" + c.getName() + "]", true));
        }
        for (Container c : nonNull(spec.getContainers())) {
            out.add(ContainerView.of(c, specPath + ".containers[" + c.getName() + "]", false));
        }
        for (EphemeralContainer c : nonNull(spec.getEphemeralContainers())) {
            out.add(ContainerView.of(c, specPath + ".ephemeralContainers[" + c.getName() + "]"));
        }
        return out;
    }

    /** The pod template's annotations, never null. */
    public Map<String, String> podAnnotations() {
        return podMetadata.getAnnotations() == null ? Map.of() : podMetadata.getAnnotations();
    }

    /** The pod template's labels, never null. */
    public Map<String, String> podLabels() {
        return podMetadata.getLabels() == null ? Map.of() : podMetadata.getLabels();
    }

    /** The namespace of the workload. */
    public String namespace() {
        return ref.namespace();
    }

    static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
