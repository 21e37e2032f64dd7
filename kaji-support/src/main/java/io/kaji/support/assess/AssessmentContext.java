package io.kaji.support.assess;

import java.util.List;

/**
 * What checks read: the cluster snapshot, the server's version, the Kubernetes version to judge API deprecations
 * against, and (when run on a Kaji server) the local configuration.
 *
 * @param cluster the objects, listed once
 * @param serverVersion the API server's gitVersion ({@code v1.32.0+kaji.0.1.0}), null if unknown
 * @param targetVersion the version deprecated/removed APIs are judged against
 * @param host the local Kaji configuration, or {@link HostConfig#absent()} when not on a Kaji node
 */
public record AssessmentContext(ClusterSnapshot cluster, String serverVersion, KubeVersion targetVersion,
                                HostConfig host) {

    /** Whether the API server is Kaji (its version carries {@code +kaji}). */
    public boolean kajiCluster() {
        return serverVersion != null && serverVersion.contains("+kaji");
    }

    /** The workloads of the cluster (see {@link Workloads}), computed once per snapshot. */
    public List<Workload> workloads() {
        return cluster.workloads();
    }
}
