package io.kaji.apiserver.registry;

import java.util.Optional;

/**
 * Hands out Service cluster IPs and node ports, and says when a requested one is not available. Implementations
 * are thread-safe.
 */
public interface ServiceAllocations {

    /** A free cluster IP from the service CIDR. */
    String allocateClusterIp();

    /** A free node port from 30000-32767. */
    int allocateNodePort();

    /**
     * Why {@code ip}, requested by the Service {@code namespace/name}, cannot be its cluster IP (outside the service
     * CIDR, reserved, or held by another Service), or empty when it can.
     */
    Optional<String> clusterIpProblem(String namespace, String name, String ip);

    /** Why {@code port} cannot be a node port of {@code namespace/name} (out of range or taken), or empty. */
    Optional<String> nodePortProblem(String namespace, String name, int port);

    /**
     * Allocations for a registry that never sees a Service created (benchmarks and tests of other resources):
     * asking for an address or port fails, any requested one is accepted.
     */
    static ServiceAllocations none() {
        return new ServiceAllocations() {
            @Override
            public String allocateClusterIp() {
                throw new UnsupportedOperationException("no service CIDR here");
            }

            @Override
            public int allocateNodePort() {
                throw new UnsupportedOperationException("no node ports here");
            }

            @Override
            public Optional<String> clusterIpProblem(String namespace, String name, String ip) {
                return Optional.empty();
            }

            @Override
            public Optional<String> nodePortProblem(String namespace, String name, int port) {
                return Optional.empty();
            }
        };
    }
}
