package io.kaji.proxy;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kaji's service proxy in iptables mode: watches Services and EndpointSlices (discovery.k8s.io/v1) and keeps this
 * instance's {@code KAJI-<tag>-…} chains equal to what they imply (see {@link RuleGenerator} for the layout).
 *
 * <p>Every sync computes the whole content of the instance's chains and applies it in one
 * {@code iptables-restore --noflush} transaction, deleting chains no longer needed in the same transaction. The
 * jumps from the built-in chains are checked ({@code iptables -C}) and inserted on full syncs (the first, then every
 * resync period). Changes are coalesced: one sync at most per {@link ProxyOptions#minSyncPeriod()}. A failed sync is
 * logged and retried with back-off; a malformed Service or EndpointSlice is logged and skipped.
 *
 * <p>The informers are either its own ({@link #start(KubernetesClient, ProxyOptions)}) or the process's shared ones
 * ({@link #start(SharedIndexInformer, SharedIndexInformer, ProxyOptions)}: the node agent's service proxy and DNS
 * server watch Services and EndpointSlices once, through the same two informers).
 *
 * <p>Thread-safe. {@link #close()} stops the proxy and removes its chains and jumps (connections already NATed
 * keep their conntrack entries).
 */
public final class ServiceProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceProxy.class);
    /** Set by the EndpointSlice controller to when the change that produced this slice version happened. */
    static final String TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time";
    private static final Path ROUTE_LOCALNET = Path.of("/proc/sys/net/ipv4/conf/all/route_localnet");

    private final ProxyOptions options;
    private final ChainNames names;
    private final ProgrammingLatency latency = new ProgrammingLatency();
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<EndpointSlice> slices;
    /** Whether {@link #services} and {@link #slices} are this proxy's own (stopped on close) or shared. */
    private final boolean ownInformers;
    private final ResourceEventHandler<Service> serviceHandler;
    private final ResourceEventHandler<EndpointSlice> sliceHandler;
    private final SyncLoop loop;
    /** What the last successful sync applied; null when the host's state is not known (start, after a failure). */
    private RuleGenerator.Rules applied;
    private final Set<String> reportedBad = new HashSet<>();

    private ServiceProxy(SharedIndexInformer<Service> services, SharedIndexInformer<EndpointSlice> slices,
                         boolean ownInformers, ProxyOptions options) {
        this.options = options;
        this.names = new ChainNames(options.chainTag());
        this.services = services;
        this.slices = slices;
        this.ownInformers = ownInformers;
        this.loop = new SyncLoop("kaji-proxy-" + options.chainTag(), options.minSyncPeriod(), options.resyncPeriod(), this::sync);
        this.serviceHandler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Service s) {
                loop.request();
            }

            @Override
            public void onUpdate(Service before, Service after) {
                loop.request();
            }

            @Override
            public void onDelete(Service s, boolean unknownFinalState) {
                loop.request();
            }
        };
        this.sliceHandler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(EndpointSlice s) {
                latency.noteChange(triggerTime(null, s));
                loop.request();
            }

            @Override
            public void onUpdate(EndpointSlice before, EndpointSlice after) {
                latency.noteChange(triggerTime(before, after));
                loop.request();
            }

            @Override
            public void onDelete(EndpointSlice s, boolean unknownFinalState) {
                latency.noteChange(Instant.now());
                loop.request();
            }
        };
    }

    /**
     * Starts a proxy with its own Service and EndpointSlice informers: waits for their first lists, applies the
     * first sync and returns. If that sync fails (e.g. iptables missing) the failure is logged and retried with
     * back-off; the proxy is returned all the same.
     *
     * @throws IllegalStateException if the informers cannot list Services or EndpointSlices within 60 s
     */
    public static ServiceProxy start(KubernetesClient client, ProxyOptions options) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(options, "options");
        ServiceProxy proxy = new ServiceProxy(client.services().inAnyNamespace().runnableInformer(0),
                client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0), true, options);
        proxy.begin();
        return proxy;
    }

    /**
     * Starts a proxy over informers the caller owns (and may share): adds its handlers (a running informer replays
     * its cache to them as adds), starts the informers if the caller has not (starting is idempotent), waits for
     * their first lists and applies the first sync, as {@link #start(KubernetesClient, ProxyOptions)}.
     * {@link #close()} removes the handlers and leaves the informers running.
     *
     * @throws IllegalStateException if the informers were stopped or do not list within 60 s
     */
    public static ServiceProxy start(SharedIndexInformer<Service> services, SharedIndexInformer<EndpointSlice> slices,
                                     ProxyOptions options) {
        Objects.requireNonNull(services, "services");
        Objects.requireNonNull(slices, "slices");
        Objects.requireNonNull(options, "options");
        ServiceProxy proxy = new ServiceProxy(services, slices, false, options);
        proxy.begin();
        return proxy;
    }

    private void begin() {
        enableRouteLocalnet();
        services.addEventHandler(serviceHandler);
        slices.addEventHandler(sliceHandler);
        try {
            services.start().toCompletableFuture().get(60, TimeUnit.SECONDS);
            slices.start().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            stopWatching();
            loop.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("service proxy " + options.chainTag() + ": cannot list Services and EndpointSlices"
                    + " (is the API server reachable, may this client list them cluster-wide?): " + e, e);
        }
        // The informers' initial adds are not changes to measure.
        latency.takePending();
        if (loop.start()) {
            log.info("service proxy started node={} tag={} clusterCidr={}", options.nodeName(), options.chainTag(), options.clusterCidr());
        } else {
            log.warn("service proxy started node={} tag={} but its first sync failed; retrying with back-off",
                    options.nodeName(), options.chainTag());
        }
    }

    /** Removes the handlers; stops the informers if they are this proxy's own. */
    private void stopWatching() {
        services.removeEventHandler(serviceHandler);
        slices.removeEventHandler(sliceHandler);
        if (ownInformers) {
            services.stop();
            slices.stop();
        }
    }

    /** The change-to-rules latency of EndpointSlice changes seen since start. */
    public LatencySnapshot programmingLatency() {
        return latency.snapshot();
    }

    /** Stops watching and syncing, and removes this instance's chains and the jumps to them. Idempotent. */
    @Override
    public void close() {
        stopWatching();
        loop.close();
        for (String table : Iptables.TABLES) {
            try {
                KajiIptables.remove(table, names::owns);
            } catch (RuntimeException e) {
                log.warn("service proxy tag={}: removing its {} chains failed: {}", options.chainTag(), table, e.getMessage());
            }
        }
        log.info("service proxy stopped node={} tag={}", options.nodeName(), options.chainTag());
    }

    /** One sync; {@code full} re-reads the host's chains and re-checks the jumps. Runs on the loop's thread only. */
    private boolean sync(boolean fullRequested) {
        boolean full = fullRequested;
        List<Instant> changes = latency.takePending();
        try {
            Set<String> existingNat;
            Set<String> existingFilter;
            Map<String, List<String>> saved = Map.of();
            if (full || applied == null) {
                full = true;
                applied = null;
                // iptables-save is slow with thousands of rules (seconds on the nft backend): once per table per full sync.
                saved = Map.of("nat", Iptables.save("nat"), "filter", Iptables.save("filter"));
                existingNat = Iptables.chains(saved.get("nat"), names::owns);
                existingFilter = Iptables.chains(saved.get("filter"), names::owns);
            } else {
                existingNat = applied.natChains();
                existingFilter = applied.filterChains();
            }
            List<ProxiedPort> ports = ServiceTable.build(services.getStore().list(), slices.getStore().list(), options.nodeName(),
                    this::reportBad);
            RuleGenerator.Rules rules = RuleGenerator.generate(options, ports);
            String input = RuleGenerator.restoreInput(rules, applied, existingNat, existingFilter);
            long start = System.nanoTime();
            applied = null;
            Iptables.restore(input);
            Instant done = Instant.now();
            applied = rules;
            latency.record(changes, done);
            changes = List.of();
            if (full) {
                ensureJumps(saved);
            }
            log.debug("service proxy tag={} synced ports={} full={} restore={}ms", options.chainTag(), ports.size(), full,
                    (System.nanoTime() - start) / 1_000_000);
            return true;
        } catch (RuntimeException e) {
            latency.restore(changes);
            log.warn("service proxy tag={}: sync failed, retrying with back-off: {}", options.chainTag(), e.getMessage());
            return false;
        }
    }

    /**
     * Each jump exactly once and in order: if one is missing, or a built-in chain holds more jumps into this
     * instance's chains than wanted (left by an earlier run), all of them in that table are deleted and inserted
     * again, so that e.g. the FORWARD reject for services without endpoints stays ahead of the FORWARD accepts.
     */
    private void ensureJumps(Map<String, List<String>> saved) {
        List<Jump> jumps = RuleGenerator.jumps(options.chainTag());
        for (String table : Iptables.TABLES) {
            List<Jump> inTable = jumps.stream().filter(j -> j.table().equals(table)).toList();
            List<String> present = Iptables.jumpsInto(saved.get(table), names::owns);
            if (present.size() == inTable.size() && inTable.stream().allMatch(Iptables::exists)) {
                continue;
            }
            if (!present.isEmpty()) {
                log.info("service proxy tag={}: {} of its {} {} jumps in place; inserting them again",
                        options.chainTag(), present.size(), inTable.size(), table);
                Iptables.restore(RuleGenerator.deleteChains(table, Set.of(),
                        present.stream().map(r -> "-D" + r.substring(2)).toList()));
            }
            for (Jump jump : inTable) {
                Iptables.insert(jump);
            }
        }
    }

    private void reportBad(String problem) {
        // Once per problem, not once per sync.
        synchronized (reportedBad) {
            if (reportedBad.add(problem)) {
                log.warn("service proxy tag={}: skipping {}", options.chainTag(), problem);
            }
        }
    }

    static Instant triggerTime(EndpointSlice before, EndpointSlice after) {
        String now = annotation(after);
        if (now != null && (before == null || !now.equals(annotation(before)))) {
            try {
                return Instant.parse(now);
            } catch (DateTimeParseException e) {
                log.debug("EndpointSlice {}: unparsable {}={}", after.getMetadata().getName(), TRIGGER_TIME_ANNOTATION, now);
            }
        }
        return Instant.now();
    }

    private static String annotation(EndpointSlice slice) {
        Map<String, String> a = slice.getMetadata() == null ? null : slice.getMetadata().getAnnotations();
        return a == null ? null : a.get(TRIGGER_TIME_ANNOTATION);
    }

    /** NodePorts on 127.0.0.1 need route_localnet, as in kube-proxy; the FIREWALL chain drops martians it would admit. */
    private void enableRouteLocalnet() {
        try {
            if (!"1".equals(Files.readString(ROUTE_LOCALNET).strip())) {
                Files.writeString(ROUTE_LOCALNET, "1");
                log.info("service proxy: set net.ipv4.conf.all.route_localnet=1 for NodePorts on 127.0.0.1");
            }
        } catch (IOException | RuntimeException e) {
            log.warn("service proxy: cannot set net.ipv4.conf.all.route_localnet=1 ({}); NodePorts will not answer on 127.0.0.1",
                    e.getMessage());
        }
    }
}
