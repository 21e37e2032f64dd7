package io.kaji.support.diagnose;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Nodes that are NotReady (and since when, with the agent's last word), under pressure, or cordoned. */
public final class NodeAnalyzer implements Analyzer {

    static final String NAME = "Node";

    @Override
    public String name() {
        return NAME;
    }

    /** Whether the node's Ready condition is True. */
    static boolean ready(Node n) {
        NodeCondition c = condition(n, "Ready");
        return c != null && "True".equals(c.getStatus());
    }

    @Override
    public List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context) {
        List<Diagnosis> out = new ArrayList<>();
        for (Node n : cluster.nodes()) {
            String name = n.getMetadata().getName();
            NodeCondition ready = condition(n, "Ready");
            if (ready != null && !"True".equals(ready.getStatus())) {
                List<String> evidence = new ArrayList<>();
                evidence.add("condition Ready=" + ready.getStatus() + " reason=" + ready.getReason()
                        + (ready.getMessage() == null ? "" : ": " + ready.getMessage()));
                if (ready.getLastHeartbeatTime() != null) {
                    evidence.add("last heartbeat " + ready.getLastHeartbeatTime() + " ("
                            + PodAnalyzer.human(Duration.between(Instant.parse(ready.getLastHeartbeatTime()),
                                    context.now())) + " ago)");
                }
                long pods = cluster.pods().stream().filter(p -> name.equals(p.getSpec().getNodeName())).count();
                evidence.add(pods + " pods bound to it");
                boolean unknown = "Unknown".equals(ready.getStatus());
                out.add(new Diagnosis(NAME, Severity.ERROR, "Node", null, name,
                        unknown ? "NotReady: the node agent stopped reporting" : "NotReady",
                        unknown ? "the node agent's Lease and status are no longer renewed: the machine, the agent "
                                + "or the network to the API server is down"
                                : "the node agent reports it not ready: " + ready.getMessage(),
                        evidence, unknown ? "check the machine and its agent (systemctl status kaji-agent, or its "
                                + "log); pods are evicted and replaced elsewhere after the toleration expires"
                                : "fix what the agent reports (often the container runtime or the network)"));
            }
            for (String pressure : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
                NodeCondition c = condition(n, pressure);
                if (c != null && "True".equals(c.getStatus())) {
                    out.add(new Diagnosis(NAME, Severity.WARNING, "Node", null, name, "under " + pressure,
                            nonEmpty(c.getMessage(), "the node is short of " + pressure.replace("Pressure", "")
                                    .toLowerCase(java.util.Locale.ROOT)),
                            List.of("condition " + pressure + "=True"),
                            "free resources on the node or move workloads: pods are evicted by QoS while it lasts"));
                }
            }
            if (Boolean.TRUE.equals(n.getSpec().getUnschedulable())) {
                out.add(new Diagnosis(NAME, Severity.INFO, "Node", null, name, "cordoned: no new pods are placed on it",
                        "spec.unschedulable=true (kubectl cordon or drain)", List.of("spec.unschedulable=true"),
                        "kubectl uncordon " + name + " when maintenance is over"));
            }
            List<Taint> taints = n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints();
            for (Taint t : taints) {
                if ("NoExecute".equals(t.getEffect()) && ready != null && "True".equals(ready.getStatus())
                        && !t.getKey().startsWith("node.kubernetes.io/")) {
                    out.add(new Diagnosis(NAME, Severity.INFO, "Node", null, name,
                            "NoExecute taint " + t.getKey() + " evicts pods that do not tolerate it",
                            "taint " + t.getKey() + "=" + nonEmpty(t.getValue(), "") + ":NoExecute",
                            List.of("spec.taints contains " + t.getKey()), "remove it when no longer wanted: "
                                    + "kubectl taint nodes " + name + " " + t.getKey() + ":NoExecute-"));
                }
            }
        }
        return out;
    }

    static NodeCondition condition(Node n, String type) {
        if (n.getStatus() == null || n.getStatus().getConditions() == null) {
            return null;
        }
        return n.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static String nonEmpty(String s, String otherwise) {
        return s == null || s.isBlank() ? otherwise : s;
    }
}
