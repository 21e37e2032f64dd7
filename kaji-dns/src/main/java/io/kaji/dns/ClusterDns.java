package io.kaji.dns;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster DNS server of one node: a {@link DnsIndex} kept current by informers on Services and EndpointSlices
 * (discovery.k8s.io/v1), served over UDP and TCP, with other names forwarded upstream.
 *
 * <p>{@link #start} binds first (so a taken port fails at once), then lists and watches; until the first list is in,
 * cluster names get SERVFAIL (clients retry) rather than a wrong NXDOMAIN. Close it to stop serving and watching.
 */
public final class ClusterDns implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterDns.class);
    private static final long SYNC_TIMEOUT_SECONDS = 60;

    private final DnsIndex index;
    private final DnsServer server;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private volatile boolean synced;

    private ClusterDns(DnsIndex index, DnsOptions options) {
        this.index = index;
        Forwarder forwarder = new Forwarder(options.upstreams(), DnsOptions.UPSTREAM_TIMEOUT);
        if (options.upstreams().isEmpty()) {
            log.warn("DNS has no upstream resolvers: names outside {} will get SERVFAIL", index.zone());
        }
        this.server = DnsServer.start(options.listen(), new QueryHandler(index, forwarder, () -> synced));
    }

    /**
     * Binds UDP and TCP on the listen addresses, starts the informers and returns once they have listed (at most
     * 60 s). Throws IllegalStateException when a port cannot be bound or the API server cannot be listed.
     */
    public static ClusterDns start(KubernetesClient client, DnsOptions options) {
        ClusterDns dns = new ClusterDns(
                new DnsIndex(options.clusterDomain(), options.ttl(), options.reverseCidrs()), options);
        try {
            dns.watch(client);
            return dns;
        } catch (RuntimeException e) {
            dns.close();
            throw e;
        }
    }

    /**
     * Serves {@code index} as it is, fed by the caller instead of informers (benchmarks, tests); the index's own
     * domain, TTL and networks apply, {@code options} gives the listen addresses and upstreams.
     */
    public static ClusterDns serve(DnsIndex index, DnsOptions options) {
        ClusterDns dns = new ClusterDns(index, options);
        dns.synced = true;
        return dns;
    }

    private void watch(KubernetesClient client) {
        SharedIndexInformer<Service> services = client.services().inAnyNamespace().runnableInformer(0);
        services.addEventHandler(handler("Service", index::apply,
                s -> index.removeService(s.getMetadata().getNamespace(), s.getMetadata().getName())));
        SharedIndexInformer<EndpointSlice> slices =
                client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0);
        slices.addEventHandler(handler("EndpointSlice", index::apply,
                s -> index.removeSlice(s.getMetadata().getNamespace(), s.getMetadata().getName())));
        informers.add(services);
        informers.add(slices);
        try {
            for (SharedIndexInformer<?> informer : informers) {
                informer.start().toCompletableFuture().get(SYNC_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("DNS cannot list Services and EndpointSlices from the API server within "
                    + SYNC_TIMEOUT_SECONDS + " s (check the kubeconfig and that the API server is up): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while DNS waited for the first list", e);
        }
        synced = true;
        log.info("DNS serving {} on {}", index.zone(), server.boundAddresses());
    }

    private static <T extends HasMetadata> ResourceEventHandler<T> handler(String kind, Consumer<T> apply,
                                                                        Consumer<T> remove) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                safely(kind, obj, apply);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                safely(kind, newObj, apply);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                safely(kind, obj, remove);
            }
        };
    }

    private static <T extends HasMetadata> void safely(String kind, T obj, Consumer<T> action) {
        try {
            action.accept(obj);
        } catch (RuntimeException e) {
            // One bad object must not stop DNS for the others: log and skip it.
            log.warn("DNS skips {} {}/{}: {}", kind, obj.getMetadata().getNamespace(), obj.getMetadata().getName(),
                    e.getMessage());
        }
    }

    /** The index this server answers from (read-only use outside this package). */
    public DnsIndex index() {
        return index;
    }

    /** The addresses actually bound (with the real port where 0 was asked), one per listen address. */
    public List<InetSocketAddress> boundAddresses() {
        return server.boundAddresses();
    }

    /** Stops the informers and the listeners. Idempotent. */
    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::stop);
        server.close();
    }
}
