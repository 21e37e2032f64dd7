package io.kaji.controllers.nodeipam;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.controllers.runtime.Reconciler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every Node a podCIDR from the cluster CIDR (default 10.42.0.0/16, a /24 each) and takes it back when the
 * Node is deleted. The node agent writes its CNI bridge configuration from it, and every agent routes the other
 * nodes' podCIDRs to their addresses. An existing podCIDR is never changed (it is immutable in Kubernetes).
 */
public final class NodeIpamController implements Reconciler {

    private static final Logger log = LoggerFactory.getLogger(NodeIpamController.class);

    private final KubernetesClient client;
    private final SharedIndexInformer<Node> nodes;
    private final CidrAllocator allocator;
    private final EventRecorder events;
    private final Controller controller;
    /** node name -> the CIDR it holds, so deletion can release it even after the object is gone. */
    private final Map<String, String> held = new ConcurrentHashMap<>();

    public NodeIpamController(KubernetesClient client, SharedIndexInformer<Node> nodes, CidrAllocator allocator,
                              EventRecorder events) {
        this.client = client;
        this.nodes = nodes;
        this.allocator = allocator;
        this.events = events;
        // One worker: allocation decisions are serialized, so two nodes never get the same subnet.
        this.controller = new Controller("node-ipam", this, 1);
        nodes.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node n) {
                occupy(n);
                controller.enqueue(n.getMetadata().getName());
            }

            @Override
            public void onUpdate(Node old, Node n) {
                occupy(n);
                if (n.getSpec() == null || n.getSpec().getPodCIDR() == null) {
                    controller.enqueue(n.getMetadata().getName());
                }
            }

            @Override
            public void onDelete(Node n, boolean unknownFinalState) {
                String cidr = held.remove(n.getMetadata().getName());
                if (cidr != null) {
                    allocator.release(cidr);
                    log.info("node {} deleted; released its podCIDR {}", n.getMetadata().getName(), cidr);
                }
            }
        });
    }

    public Controller controller() {
        return controller;
    }

    private void occupy(Node n) {
        String cidr = n.getSpec() == null ? null : n.getSpec().getPodCIDR();
        if (cidr != null && held.putIfAbsent(n.getMetadata().getName(), cidr) == null && !allocator.occupy(cidr)) {
            log.info("node {} has podCIDR {} outside the cluster CIDR; leaving it as it is", n.getMetadata().getName(), cidr);
        }
    }

    @Override
    public Result reconcile(String name) {
        Node n = nodes.getStore().getByKey(name);
        if (n == null || (n.getSpec() != null && n.getSpec().getPodCIDR() != null)) {
            return Result.done();
        }
        String cidr;
        try {
            cidr = allocator.allocate();
        } catch (IllegalStateException e) {
            events.warning(n, "CIDRNotAvailable", "Node " + name + " status is now: CIDRNotAvailable: " + e.getMessage());
            throw e;
        }
        try {
            client.nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(
                    Map.of("spec", Map.of("podCIDR", cidr, "podCIDRs", List.of(cidr)))));
            held.put(name, cidr);
            events.normal(n, "CIDRAssignmentSucceeded", "Node " + name + " was assigned podCIDR " + cidr);
            log.info("node {}: assigned podCIDR {}", name, cidr);
        } catch (RuntimeException e) {
            allocator.release(cidr);
            throw e;
        }
        return Result.done();
    }
}
