package io.kaji.netpol;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.controllers.runtime.Informers;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces networking.k8s.io/v1 NetworkPolicies for one node's pods with iptables filter rules, as kube-router's
 * policy controller does in k3s.
 *
 * <p>Three informers (NetworkPolicies, Pods, Namespaces) feed a single sync thread. Pods are watched only while
 * the cluster has a NetworkPolicy: without one the rule set names no pod, and a watch of every pod of the cluster
 * on every node would cost the API server a stream per node and each agent the decoding of every pod change for
 * nothing. The first policy starts the pod watch (its sync waits for the list); the last one's deletion stops it.
 * A change schedules a sync
 * {@link PolicyOptions#minSyncPeriod()} later (a burst of changes becomes one write); every
 * {@link PolicyOptions#resyncPeriod()} the whole rule set is written again. A sync computes the content of every
 * owned chain ({@code KAJI-<tag>-NP…}) from the caches and applies it in one {@code iptables-restore --noflush}
 * transaction, deleting owned chains no longer wanted; the jump from FORWARD is inserted once. A failed sync is
 * logged and retried with back-off; it never stops the enforcer. A malformed object is skipped with one log line.
 *
 * <p>Thread-safe. {@link #close()} stops the informers and removes every owned chain and the jump.
 */
public final class NetworkPolicyEnforcer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NetworkPolicyEnforcer.class);
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);
    static final String BUILTIN = "FORWARD";
    private static final Duration JUMP_CHECK_PERIOD = Duration.ofSeconds(5);
    /** A jump to some enforcer's top chain: such rules only reject, so they may stay ahead of this one's. */
    private static final java.util.regex.Pattern OTHER_ENFORCER_JUMP =
            java.util.regex.Pattern.compile("-j KAJI-[A-Z0-9]{4}-NP-FWD$");

    private final PolicyOptions options;
    private final ChainNames names;
    private final PolicyCompiler compiler;
    private final Iptables iptables;
    private final String jumpComment;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean syncPending = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set once every cache has synced: before that a sync would see a partial cluster and open holes. */
    private volatile boolean ready;
    private final List<SharedIndexInformer<? extends HasMetadata>> informers = new CopyOnWriteArrayList<>();
    private KubernetesClient client;
    private volatile SharedIndexInformer<NetworkPolicy> policyInformer;
    private boolean policiesFromInformer;
    private Supplier<List<NetworkPolicy>> policies;
    private Supplier<List<Pod>> pods;
    /** The pod informer while policies exist; null otherwise, and always when pods come from elsewhere (tests). */
    private volatile SharedIndexInformer<Pod> podInformer;
    private boolean podsFromInformer;
    private Supplier<List<Namespace>> namespaces;
    // touched only by the sync thread (and by start() before the thread runs anything)
    private RuleSet applied;
    private Set<String> reported = Set.of();
    private Duration retry = Duration.ZERO;
    private boolean retryScheduled;
    private long lastJumpCheck = System.nanoTime() - JUMP_CHECK_PERIOD.toNanos();
    private volatile long syncs;

    private NetworkPolicyEnforcer(PolicyOptions options, Iptables iptables) {
        this.options = options;
        this.iptables = iptables;
        this.names = new ChainNames(options.chainTag());
        this.compiler = new PolicyCompiler(options);
        this.jumpComment = "kaji network policy " + options.chainTag() + " node " + options.nodeName();
        this.executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-netpol-" + options.nodeName()).daemon(true).factory());
    }

    /**
     * Starts the informers, waits until their caches are synced, applies the first rule set and returns. An API
     * server that does not serve networking.k8s.io/v1 networkpolicies (404) is logged once: nothing is enforced
     * and every resync asks again.
     *
     * @throws IllegalStateException when the caches do not sync within 60 s (e.g. the client may not list pods)
     *                               or the first iptables write fails
     *                               (not root? iptables missing?); nothing is left running then
     */
    public static NetworkPolicyEnforcer start(KubernetesClient client, PolicyOptions options) {
        return start(client, options, null);
    }

    /**
     * As {@link #start(KubernetesClient, PolicyOptions)}, but NetworkPolicies come from {@code policies} instead of
     * an informer when it is not null (call {@link #requestSync()} after changing what it returns). For tests
     * against an API server that does not serve networking.k8s.io/v1.
     */
    static NetworkPolicyEnforcer start(KubernetesClient client, PolicyOptions options,
                                       Supplier<List<NetworkPolicy>> policies) {
        NetworkPolicyEnforcer e = new NetworkPolicyEnforcer(options, new Iptables());
        return e.begin(() -> e.startInformers(client, policies));
    }

    /** Without informers: the cluster comes from {@code state}; for tests of the sync loop with a fake iptables. */
    static NetworkPolicyEnforcer start(Supplier<ClusterState> state, PolicyOptions options, Iptables iptables) {
        NetworkPolicyEnforcer e = new NetworkPolicyEnforcer(options, iptables);
        return e.begin(() -> {
            e.policies = () -> state.get().policies();
            e.pods = () -> state.get().pods();
            e.namespaces = () -> state.get().namespaces();
        });
    }

    private interface Inputs {
        void start() throws InterruptedException, TimeoutException;
    }

    /** Starts the inputs, runs the first sync, schedules the resync; on failure closes and throws. */
    private NetworkPolicyEnforcer begin(Inputs inputs) {
        try {
            inputs.start();
            ready = true;
            executor.submit(() -> sync(true)).get(SYNC_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException ex) {
            close();
            throw new IllegalStateException("network policy on node " + options.nodeName()
                    + ": the first iptables sync failed: " + ex.getCause().getMessage(), ex.getCause());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("network policy on node " + options.nodeName() + ": interrupted", ex);
        } catch (TimeoutException | RuntimeException ex) {
            close();
            throw new IllegalStateException("network policy on node " + options.nodeName() + ": cannot start: "
                    + ex.getMessage(), ex);
        }
        executor.scheduleWithFixedDelay(this::resync, options.resyncPeriod().toMillis(),
                options.resyncPeriod().toMillis(), TimeUnit.MILLISECONDS);
        log.info("network policy enforcer started: node={} tag={} chains={}", options.nodeName(), options.chainTag(),
                names.ownedPrefix() + "*");
        return this;
    }

    private void startInformers(KubernetesClient client, Supplier<List<NetworkPolicy>> policySource)
            throws InterruptedException, TimeoutException {
        this.client = client;
        SharedIndexInformer<Namespace> ns = Informers.withoutManagedFields(client.namespaces().runnableInformer(0));
        podsFromInformer = true;
        pods = () -> {
            SharedIndexInformer<Pod> i = podInformer;
            return i == null ? List.of() : i.getStore().list();
        };
        namespaces = () -> ns.getStore().list();
        informers.add(ns);
        startAndWait(ns);
        if (policySource != null) {
            policies = policySource;
        } else {
            policiesFromInformer = true;
            policies = () -> {
                SharedIndexInformer<NetworkPolicy> i = policyInformer;
                return i == null ? List.of() : i.getStore().list();
            };
            startPolicyInformer(true);
        }
    }

    /** Adds the sync handler to {@code i}, starts it and waits until its cache is synced. */
    private void startAndWait(SharedIndexInformer<? extends HasMetadata> i) throws InterruptedException,
            TimeoutException {
        addHandler(i);
        try {
            i.start().toCompletableFuture().get(SYNC_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException ex) {
            Throwable cause = ex.getCause() == null ? ex : ex.getCause();
            throw new IllegalStateException("cannot list " + i.getApiTypeClass().getSimpleName()
                    + " objects (may this client list them?): " + cause.getMessage(), cause);
        }
    }

    /**
     * Watches pods while policies exist and stops watching them when none is left (on the sync thread, before a
     * sync computes its rules: a policy's first rules wait for the list of pods, never use a partial one).
     */
    private void watchPodsFor(List<NetworkPolicy> current) {
        if (!podsFromInformer) {
            return;
        }
        SharedIndexInformer<Pod> running = podInformer;
        if (!current.isEmpty() && running == null) {
            // Without managedFields, which the enforcer never reads (about half of a Deployment's pod;
            // docs/footprint.md).
            SharedIndexInformer<Pod> po = Informers.withoutManagedFields(
                    client.pods().inAnyNamespace().runnableInformer(0));
            try {
                startAndWait(po);
            } catch (InterruptedException e) {
                po.stop();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while listing pods", e);
            } catch (TimeoutException | RuntimeException e) {
                po.stop();
                throw new IllegalStateException("cannot watch pods for the NetworkPolicies: " + e.getMessage(), e);
            }
            if (closed.get()) {
                po.stop();
                return;
            }
            informers.add(po);
            podInformer = po;
            log.info("network policy on node {}: {} NetworkPolic{} in the cluster; watching pods",
                    options.nodeName(), current.size(), current.size() == 1 ? "y" : "ies");
        } else if (current.isEmpty() && running != null) {
            podInformer = null;
            informers.remove(running);
            running.stop();
            log.info("network policy on node {}: no NetworkPolicy left; pods no longer watched", options.nodeName());
        }
    }

    /** Whether pods are being watched (for tests). */
    boolean watchingPods() {
        return podInformer != null;
    }

    /**
     * Starts the NetworkPolicy informer. An API server that does not serve networking.k8s.io/v1 networkpolicies
     * (404) is not an error: nothing is enforced and the resync asks again. Any other failure is.
     *
     * @return true when the informer runs
     */
    private boolean startPolicyInformer(boolean first) throws InterruptedException, TimeoutException {
        try {
            // ask first: an informer on a resource that is not served logs an error with a stack trace each time
            client.network().v1().networkPolicies().inAnyNamespace()
                    .list(new ListOptionsBuilder().withLimit(1L).build());
        } catch (KubernetesClientException e) {
            if (notServed(e)) {
                if (first) {
                    log.warn("network policy on node {}: the API server does not serve networking.k8s.io/v1 "
                            + "networkpolicies, so no NetworkPolicy is enforced; asking again every {} s",
                            options.nodeName(), options.resyncPeriod().toSeconds());
                }
                return false;
            }
            throw new IllegalStateException("cannot list NetworkPolicies (may this client list "
                    + "networking.k8s.io/v1 networkpolicies?): " + e.getMessage(), e);
        }
        SharedIndexInformer<NetworkPolicy> p = Informers.withoutManagedFields(
                client.network().v1().networkPolicies().inAnyNamespace().runnableInformer(0));
        addHandler(p);
        try {
            p.start().toCompletableFuture().get(SYNC_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException ex) {
            p.stop();
            Throwable cause = ex.getCause() == null ? ex : ex.getCause();
            if (notServed(cause)) {
                if (first) {
                    log.warn("network policy on node {}: the API server does not serve networking.k8s.io/v1 "
                            + "networkpolicies, so no NetworkPolicy is enforced; asking again every {} s",
                            options.nodeName(), options.resyncPeriod().toSeconds());
                }
                return false;
            }
            throw new IllegalStateException("cannot list NetworkPolicies (may this client list "
                    + "networking.k8s.io/v1 networkpolicies?): " + cause.getMessage(), cause);
        }
        informers.add(p);
        policyInformer = p;
        if (!first) {
            log.info("network policy on node {}: the API server serves networkpolicies now; enforcing them",
                    options.nodeName());
        }
        return true;
    }

    private static boolean notServed(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof KubernetesClientException k && k.getCode() == 404) {
                return true;
            }
        }
        return false;
    }

    private <T extends HasMetadata> void addHandler(SharedIndexInformer<T> informer) {
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                requestSync();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                requestSync();
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                requestSync();
            }
        });
    }

    /** Schedules one sync {@code minSyncPeriod} from now unless one is already waiting. */
    void requestSync() {
        if (!ready || closed.get() || syncPending.getAndSet(true)) {
            return;
        }
        try {
            executor.schedule(() -> {
                syncPending.set(false);
                sync(false);
            }, options.minSyncPeriod().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            syncPending.set(false); // closing
        }
    }

    private void resync() {
        if (policiesFromInformer && policyInformer == null && !closed.get()) {
            try {
                startPolicyInformer(false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (TimeoutException | RuntimeException e) {
                log.warn("network policy on node {}: NetworkPolicies still cannot be listed: {}", options.nodeName(),
                        e.getMessage());
            }
        }
        try {
            sync(true);
        } catch (RuntimeException e) {
            // already logged and retried by sync; the periodic task must keep running
        }
    }

    /**
     * Computes the rule set and applies it unless it equals the last applied one ({@code force} applies anyway).
     * Runs on the sync thread only. On failure: logs, schedules a retry with back-off, rethrows.
     */
    private void sync(boolean force) {
        if (!ready || closed.get()) {
            return;
        }
        long started = System.nanoTime();
        try {
            List<NetworkPolicy> current = policies.get();
            watchPodsFor(current);
            ClusterState state = new ClusterState(current, pods.get(), namespaces.get());
            PolicyCompiler.Result result = compiler.compile(state);
            Set<String> problems = new HashSet<>(result.problems());
            for (String p : result.problems()) {
                if (!reported.contains(p)) {
                    log.warn("{} (node {})", p, options.nodeName());
                }
            }
            reported = problems;
            RuleSet rules = result.rules();
            boolean unchanged = !force && rules.equals(applied);
            if (!unchanged) {
                write(rules, force || applied == null);
            }
            // A pod start (the CNI plugin's moment to insert its own jump) triggers a sync, so the position is
            // checked then too, but at most every JUMP_CHECK_PERIOD when nothing was written: listing FORWARD
            // dumps the whole ruleset with the nf_tables backend, and pod status updates are frequent.
            long now = System.nanoTime();
            if (!unchanged || now - lastJumpCheck >= JUMP_CHECK_PERIOD.toNanos()) {
                lastJumpCheck = now;
                if (iptables.ensureFirstJump(BUILTIN, names.top(), jumpComment,
                        rule -> OTHER_ENFORCER_JUMP.matcher(rule).find())) {
                    log.info("network policy on node {}: jump to {} placed first in {}", options.nodeName(),
                            names.top(), BUILTIN);
                }
            }
            if (unchanged) {
                syncs++;
                return;
            }
            boolean changed = !rules.equals(applied);
            applied = rules;
            retry = Duration.ZERO;
            syncs++;
            long ms = (System.nanoTime() - started) / 1_000_000;
            if (changed) {
                log.info("network policy rules applied: node={} chains={} rules={} took={}ms", options.nodeName(),
                        rules.chains().size(), rules.ruleCount(), ms);
            } else {
                log.debug("network policy rules rewritten unchanged: node={} took={}ms", options.nodeName(), ms);
            }
        } catch (RuntimeException e) {
            applied = null; // unknown state: the next attempt writes everything
            retry = retry.isZero() ? Duration.ofSeconds(1) : min(retry.multipliedBy(2), MAX_RETRY);
            log.warn("network policy sync failed on node {}, retrying in {} s: {}", options.nodeName(),
                    retry.toSeconds(), e.getMessage());
            if (!closed.get() && !retryScheduled) {
                // one retry at a time: failures of the periodic resync must not start a second chain of retries
                retryScheduled = true;
                try {
                    executor.schedule(() -> {
                        retryScheduled = false;
                        resync();
                    }, retry.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException ignored) {
                    // closing
                }
            }
            throw e;
        }
    }

    /**
     * Applies {@code rules}. With {@code check} (the first sync, periodic resyncs, after a failure) the owned chains
     * are listed before (to delete stale ones) and after: iptables-restore exits 0 when it was given nothing to do
     * (an input that never arrived), which must not pass for success, and someone may have deleted a chain. A
     * mismatch is written again, three attempts in all, then reported as a failed sync. Without {@code check} the
     * chains of the last write stand for the existing ones: listing is a full ruleset dump with the nf_tables
     * backend and took seconds on a loaded machine with large NAT tables.
     */
    private void write(RuleSet rules, boolean check) {
        if (!check) {
            iptables.restore(rules.restoreScript(applied.chains().keySet()));
            return;
        }
        for (int attempt = 1; ; attempt++) {
            List<String> existing = iptables.chains(names.ownedPrefix());
            iptables.restore(rules.restoreScript(existing));
            Set<String> now = new HashSet<>(iptables.chains(names.ownedPrefix()));
            if (now.equals(rules.chains().keySet())) {
                return;
            }
            if (attempt == 3) {
                throw new IllegalStateException("after iptables-restore the chains " + names.ownedPrefix()
                        + "* are " + new java.util.TreeSet<>(now) + ", not the " + rules.chains().size() + " written");
            }
            log.warn("network policy on node {}: iptables-restore left {} chains instead of {}; writing again",
                    options.nodeName(), now.size(), rules.chains().size());
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Number of completed syncs so far, with or without an iptables write (for tests and metrics). */
    long syncCount() {
        return syncs;
    }

    /** The chain prefix this enforcer owns, {@code KAJI-<tag>-NP}. */
    String ownedPrefix() {
        return names.ownedPrefix();
    }

    String jumpComment() {
        return jumpComment;
    }

    /**
     * Stops the informers and the sync thread, then removes the jump from FORWARD and every chain named
     * {@code KAJI-<tag>-NP…}: the node's pods are unprotected afterwards. Idempotent; failures are logged.
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        informers.forEach(SharedIndexInformer::stop);
        executor.shutdownNow();
        try {
            executor.awaitTermination(SYNC_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            iptables.deleteJump(BUILTIN, names.top(), jumpComment);
            List<String> owned = iptables.chains(names.ownedPrefix());
            if (!owned.isEmpty()) {
                iptables.restore(RuleSet.deleteScript(owned));
            }
            log.info("network policy enforcer stopped: node={} chains removed={}", options.nodeName(), owned.size());
        } catch (RuntimeException e) {
            log.warn("network policy on node {}: cannot remove chains {}*: {}", options.nodeName(),
                    names.ownedPrefix(), e.getMessage());
        }
    }
}
