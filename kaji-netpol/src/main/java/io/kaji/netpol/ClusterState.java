package io.kaji.netpol;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.List;

/** What the compiler reads: every NetworkPolicy, Pod and Namespace of the cluster (the informer caches). */
record ClusterState(List<NetworkPolicy> policies, List<Pod> pods, List<Namespace> namespaces) {

    ClusterState {
        policies = List.copyOf(policies);
        pods = List.copyOf(pods);
        namespaces = List.copyOf(namespaces);
    }
}
