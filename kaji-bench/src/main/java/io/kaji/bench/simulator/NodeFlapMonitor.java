package io.kaji.bench.simulator;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Watches every Node during a benchmark and records each time one stops being Ready (its Ready condition turns
 * False or Unknown) or gets the node lifecycle controller's {@code unreachable}/{@code not-ready} taint. Issue 4
 * asks that no node flap to NotReady under the scale benchmarks' load (Kubernetes raised its grace period because
 * its nodes did: kubernetes/kubernetes#121793); with nodes renewing their Leases as real agents do, a flap here
 * means the API server or the controllers fell so far behind that a healthy node was declared dead.
 */
public final class NodeFlapMonitor implements AutoCloseable {

    private static final Set<String> LIFECYCLE_TAINTS = Set.of("node.kubernetes.io/unreachable",
            "node.kubernetes.io/not-ready");

    /** One observed flap: the node, what was seen, and when (nanoTime). */
    public record Flap(String node, String what, long atNanos) {}

    private final List<Flap> flaps = new ArrayList<>();
    private final SharedIndexInformer<Node> informer;

    /** Starts watching; flaps are counted from now on. */
    public NodeFlapMonitor(KubernetesClient client) {
        informer = client.nodes().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
            }

            @Override
            public void onUpdate(Node old, Node node) {
                String before = readyStatus(old);
                String after = readyStatus(node);
                if ("True".equals(before) && !"True".equals(after)) {
                    record(node, "Ready=" + after);
                }
                for (String taint : lifecycleTaints(node)) {
                    if (!lifecycleTaints(old).contains(taint)) {
                        record(node, "taint " + taint);
                    }
                }
            }

            @Override
            public void onDelete(Node node, boolean unknown) {
            }
        }, 0);
    }

    private synchronized void record(Node node, String what) {
        flaps.add(new Flap(node.getMetadata().getName(), what, System.nanoTime()));
    }

    static String readyStatus(Node node) {
        if (node == null || node.getStatus() == null || node.getStatus().getConditions() == null) {
            return "Unknown";
        }
        for (NodeCondition c : node.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return c.getStatus();
            }
        }
        return "Unknown";
    }

    static List<String> lifecycleTaints(Node node) {
        if (node == null || node.getSpec() == null || node.getSpec().getTaints() == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Taint t : node.getSpec().getTaints()) {
            if (LIFECYCLE_TAINTS.contains(t.getKey())) {
                out.add(t.getKey() + ":" + t.getEffect());
            }
        }
        return out;
    }

    /** The flaps seen so far. */
    public synchronized List<Flap> flaps() {
        return List.copyOf(flaps);
    }

    /** Nodes whose Ready condition is not True right now (in the watch's view). */
    public long notReadyNow() {
        return informer.getStore().list().stream().filter(n -> !"True".equals(readyStatus(n))).count();
    }

    @Override
    public void close() {
        informer.stop();
    }
}
