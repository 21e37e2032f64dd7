package io.kaji.apiserver.flowcontrol;

import io.kaji.apiserver.auth.Attributes;
import io.kaji.apiserver.auth.UserInfo;
import java.util.Set;

/**
 * The priority levels of Kubernetes' default API Priority and Fairness configuration, and the rules (its default
 * FlowSchemas, simplified) that put a request into one of them. The levels above {@link #WORKLOAD_HIGH} are the
 * cluster's own housekeeping — node heartbeats, node agents, leader election — and are served before any waiting
 * workload request, so that a flood of pod creations cannot make a healthy node miss its Lease renewals and be
 * declared dead (Kubernetes' reason for APF, and issue 4's "no node may flap under load").
 */
public enum PriorityLevel {

    /** {@code system:masters}: never queued (Kubernetes' exempt level). */
    EXEMPT("exempt", true),
    /** Node heartbeats: Lease renewals in {@code kube-node-lease}, and nodes reading/writing their Node. */
    NODE_HIGH("node-high", true),
    /** Everything else a node agent does ({@code system:nodes}). */
    SYSTEM("system", true),
    /** Leader election of the controller manager and scheduler (Leases in {@code kube-system}). */
    LEADER_ELECTION("leader-election", true),
    /** The controller manager, the scheduler and {@code kube-system} service accounts. */
    WORKLOAD_HIGH("workload-high", false),
    /** Other service accounts (operators, in-cluster clients). */
    WORKLOAD_LOW("workload-low", false),
    /** Every other authenticated user (kubectl). */
    GLOBAL_DEFAULT("global-default", false);

    private static final String NODE_LEASE_NAMESPACE = "kube-node-lease";
    private static final Set<String> CONTROL_PLANE_USERS = Set.of("system:kube-controller-manager",
            "system:kube-scheduler");

    private final String levelName;
    private final boolean system;

    PriorityLevel(String levelName, boolean system) {
        this.levelName = levelName;
        this.system = system;
    }

    /** Kubernetes' name of the level ({@code workload-high}), as in the {@code X-Kubernetes-PF-PriorityLevel-UID} header. */
    public String levelName() {
        return levelName;
    }

    /** True for the cluster's own housekeeping levels, which are dispatched before workload levels. */
    public boolean system() {
        return system;
    }

    /** The level of a request, from who sends it and what it touches. */
    public static PriorityLevel classify(Attributes a) {
        UserInfo u = a.user();
        if (u.inGroup("system:masters")) {
            return EXEMPT;
        }
        boolean lease = a.resourceRequest() && a.apiGroup().equals("coordination.k8s.io") && a.resource().equals("leases");
        // Whoever renews a node's Lease is a node heartbeat (Kubernetes only matches system:nodes here; Kaji also
        // serves simulated nodes, which run under other identities, at this level).
        if (lease && a.namespace().equals(NODE_LEASE_NAMESPACE)) {
            return NODE_HIGH;
        }
        if (u.inGroup("system:nodes")) {
            return a.resourceRequest() && a.apiGroup().isEmpty() && a.resource().equals("nodes") ? NODE_HIGH : SYSTEM;
        }
        boolean controlPlane = CONTROL_PLANE_USERS.contains(u.name())
                || u.name().startsWith("system:serviceaccount:kube-system:");
        if (controlPlane && lease && a.namespace().equals("kube-system")) {
            return LEADER_ELECTION;
        }
        if (controlPlane) {
            return WORKLOAD_HIGH;
        }
        if (u.name().startsWith("system:serviceaccount:")) {
            return WORKLOAD_LOW;
        }
        return GLOBAL_DEFAULT;
    }
}
