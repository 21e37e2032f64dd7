package io.kaji.cli;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.kaji.controllers.runtime.Informers;
import io.kaji.node.agent.ServiceLister;
import java.util.List;

/**
 * The agent process's one Service informer and one EndpointSlice informer, cluster-wide, shared by the cluster
 * DNS server ({@code ClusterDns}), the service proxy ({@code ServiceProxy}) and the node agent's service environment
 * variables (this class is their {@link ServiceLister}): one watch and one cache of each kind instead of one per
 * user, and no GET and LIST of Services per container start.
 *
 * <p>{@link #start} starts both without waiting: the node agent may start containers before the first list is in,
 * and until then its {@code EnvResolver} reads the API server ({@link #hasSynced()}). The informers retry after
 * failures for as long as they run, and cache objects without {@code metadata.managedFields}, which none of their
 * users reads. Their users add handlers (a synced informer replays its cache to a new handler as adds) and remove
 * them on close; {@link #close()} stops the informers. Thread-safe.
 */
final class ServiceInformers implements ServiceLister, AutoCloseable {

    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<EndpointSlice> slices;

    private ServiceInformers(SharedIndexInformer<Service> services, SharedIndexInformer<EndpointSlice> slices) {
        this.services = services;
        this.slices = slices;
    }

    /** Creates and starts the informers on {@code client}; returns at once (the first lists run in the background). */
    static ServiceInformers start(KubernetesClient client) {
        ServiceInformers informers = new ServiceInformers(
                Informers.withoutManagedFields(Informers.retrying(
                        client.services().inAnyNamespace().runnableInformer(0))),
                Informers.withoutManagedFields(Informers.retrying(
                        client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0))));
        informers.services.start();
        informers.slices.start();
        return informers;
    }

    /** The Service informer (started; add handlers, do not stop it). */
    SharedIndexInformer<Service> services() {
        return services;
    }

    /** The EndpointSlice informer (discovery.k8s.io/v1; started; add handlers, do not stop it). */
    SharedIndexInformer<EndpointSlice> endpointSlices() {
        return slices;
    }

    @Override
    public boolean hasSynced() {
        return services.hasSynced();
    }

    @Override
    public List<Service> list(String namespace) {
        return services.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace);
    }

    /** Stops both informers (their users' handlers get nothing more). Idempotent. */
    @Override
    public void close() {
        services.stop();
        slices.stop();
    }
}
