package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Service;
import java.util.List;

/**
 * Services read from a cache the agent process keeps anyway (the informer its DNS server and service proxy share),
 * as the kubelet reads them through its service lister for the service environment variables: no API request per
 * container start.
 *
 * <p>Implementations are thread-safe and never block on the API server.
 */
public interface ServiceLister {

    /**
     * Whether the cache has listed the Services at least once (the kubelet's {@code serviceHasSynced}). Until then
     * {@link EnvResolver} reads the API server instead.
     */
    boolean hasSynced();

    /**
     * The cached Services of {@code namespace}, in no particular order; empty if it has none. The objects are the
     * cache's own: callers must not change them.
     */
    List<Service> list(String namespace);
}
