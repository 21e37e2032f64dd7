package io.kaji.support.diagnose;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** PersistentVolumeClaims stuck Pending: no such StorageClass, no default class, or the provisioner's complaint. */
public final class StorageAnalyzer implements Analyzer {

    static final String NAME = "PersistentVolumeClaim";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context) {
        List<Diagnosis> out = new ArrayList<>();
        for (PersistentVolumeClaim pvc : cluster.claims()) {
            if (pvc.getStatus() == null || !"Pending".equals(pvc.getStatus().getPhase())) {
                continue;
            }
            String created = pvc.getMetadata().getCreationTimestamp();
            if (created != null && Duration.between(Instant.parse(created), context.now())
                    .compareTo(PodAnalyzer.GRACE) < 0) {
                continue;
            }
            String ns = pvc.getMetadata().getNamespace();
            String name = pvc.getMetadata().getName();
            String cls = pvc.getSpec().getStorageClassName();
            List<String> evidence = new ArrayList<>();
            evidence.add("status.phase=Pending, spec.storageClassName=" + cls);
            List<Event> events = cluster.eventsFor("PersistentVolumeClaim", ns, name);
            events.stream().filter(e -> "Warning".equals(e.getType()) || "ProvisioningFailed".equals(e.getReason()))
                    .forEach(e -> evidence.add("event " + e.getReason() + ": " + e.getMessage()));
            String cause;
            String fix;
            if (cls != null && !cls.isEmpty() && cluster.has("storageclasses") && cluster.storageClasses().stream()
                    .noneMatch(s -> cls.equals(s.getMetadata().getName()))) {
                cause = "the StorageClass '" + cls + "' does not exist";
                fix = "create it (with a provisioner), or correct spec.storageClassName";
            } else if ((cls == null) && cluster.storageClasses().stream().noneMatch(s -> s.getMetadata()
                    .getAnnotations() != null && "true".equals(s.getMetadata().getAnnotations()
                            .get("storageclass.kubernetes.io/is-default-class")))) {
                cause = "it names no StorageClass and the cluster has no default one, so only a pre-created "
                        + "PersistentVolume can satisfy it";
                fix = "create a matching PersistentVolume, or install a provisioner and mark a default StorageClass";
            } else {
                cause = evidence.size() > 1 ? evidence.get(evidence.size() - 1)
                        : "no PersistentVolume matches it and none was provisioned";
                fix = "check the provisioner of its StorageClass and the requested size/access modes";
            }
            out.add(new Diagnosis(NAME, Severity.ERROR, "PersistentVolumeClaim", ns, name, "Pending: not bound",
                    cause, evidence, fix));
        }
        return out;
    }
}
