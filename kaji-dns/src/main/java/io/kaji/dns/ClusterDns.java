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
 *
 * <p>The informers are either its own ({@link #start(KubernetesClient, DnsOptions)}) or the process's shared ones
 * ({@link #start(SharedIndexInformer, SharedIndexInformer, DnsOptions)}: the node agent's DNS server and service
 * proxy watch Services and EndpointSlices once, through the same two informers).
 */
public final class ClusterDns implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterDns.class);
    private static final long SYNC_TIMEOUT_SECONDS = 60;

    private final DnsIndex index;
    private final DnsServer server;
    /** Informers this server made, stopped on close. */
    private final List<SharedIndexInformer<?>> owned = new ArrayList<>();
    /** Removes this server's handlers from the informers it was given (shared ones stay running). */
    private final List<Runnable> detach = new ArrayList<>();
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
     * Binds UDP and TCP on the listen addresses, starts its own Service and EndpointSlice informers and returns once
     * they have listed (at most 60 s). Throws IllegalStateException when a port cannot be bound or the API server
     * cannot be listed.
     */
    public static ClusterDns start(KubernetesClient client, DnsOptions options) {
        SharedIndexInformer<Service> services = client.services().inAnyNamespace().runnableInformer(0);
        SharedIndexInformer<EndpointSlice> slices =
                client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0);
        return start(services, slices, options, true);
    }

    /**
     * Binds UDP and TCP on the listen addresses and answers from informers the caller owns (and may share with
     * others): adds its handlers (a running informer replays its cache to them as adds), starts the informers if
     * the caller has not (starting is idempotent) and returns once they have listed (at most 60 s). {@link #close()}
     * removes the handlers and leaves the informers running. Throws IllegalStateException when a port cannot be
     * bound, the informers were stopped, or they do not list in time.
     */
    public static ClusterDns start(SharedIndexInformer<Service> services, SharedIndexInformer<EndpointSlice> slices,
                                   DnsOptions options) {
        return start(services, slices, options, false);
    }

    private static ClusterDns start(SharedIndexInformer<Service> services, SharedIndexInformer<EndpointSlice> slices,
                                    DnsOptions options, boolean own) {
        ClusterDns dns = new ClusterDns(
                new DnsIndex(options.clusterDomain(), options.ttl(), options.reverseCidrs()), options);
        if (own) {
            dns.owned.add(services);
            dns.owned.add(slices);
        }
        try {
            dns.watch(services, slices);
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

    private void watch(SharedIndexInformer<Service> services, SharedIndexInformer<EndpointSlice> slices) {
        attach(services, handler("Service", index::apply,
                s -> index.removeService(s.getMetadata().getNamespace(), s.getMetadata().getName())));
        attach(slices, handler("EndpointSlice", index::apply,
                s -> index.removeSlice(s.getMetadata().getNamespace(), s.getMetadata().getName())));
        try {
            for (SharedIndexInformer<?> informer : List.of(services, slices)) {
                informer.start().toCompletableFuture().get(SYNC_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException | IllegalStateException e) {
            throw new IllegalStateException("DNS cannot list Services and EndpointSlices from the API server within "
                    + SYNC_TIMEOUT_SECONDS + " s (check the kubeconfig and that the API server is up): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while DNS waited for the first list", e);
        }
        synced = true;
        log.info("DNS serving {} on {}", index.zone(), server.boundAddresses());
    }

    private <T> void attach(SharedIndexInformer<T> informer, ResourceEventHandler<T> handler) {
        informer.addEventHandler(handler);
        detach.add(() -> informer.removeEventHandler(handler));
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

    /** Stops its own informers (or leaves shared ones, without its handlers) and the listeners. Idempotent. */
    @Override
    public void close() {
        detach.forEach(Runnable::run);
        owned.forEach(SharedIndexInformer::stop);
        server.close();
    }
}
