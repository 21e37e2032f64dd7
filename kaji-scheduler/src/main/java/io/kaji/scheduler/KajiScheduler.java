package io.kaji.scheduler;

import io.kaji.controllers.runtime.Informers;
import io.kaji.controllers.runtime.LeaderElection;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.SharedInformerFactory;
import io.kaji.scheduler.binder.ApiPodBinder;
import io.kaji.scheduler.cache.SchedulerCache;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.framework.Profile;
import io.kaji.scheduler.framework.ProfileConfig;
import io.kaji.scheduler.plugins.InTreePlugins;
import io.kaji.scheduler.plugins.defaultpreemption.DisruptionBudgets;
import io.kaji.scheduler.queue.SchedulingQueue;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kaji's scheduler as a component, against any Kubernetes API server through the fabric8 client only. Several
 * may run at once: they elect one leader on the {@code coordination.k8s.io/v1} Lease
 * {@code kube-system/kaji-scheduler}, and only the leader watches and schedules. A leader that loses its lease
 * stops scheduling at once and campaigns again; binding through {@code pods/binding} (refused for a pod already
 * bound) keeps even an overlap from binding a pod twice.
 *
 * <p>Each term as leader starts afresh: informers for Nodes and Pods (plus ReplicaSets, StatefulSets and
 * Services for the default spreading), a new cache and queue, the scheduling thread, a bounded binding pool and
 * the periodic flushes (back-off every second, unschedulable leftovers every 30 s, expired assumptions every
 * second).
 */
public final class KajiScheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KajiScheduler.class);

    /**
     * Settings; {@link #defaults(String)} gives Kubernetes' lease timings.
     *
     * @param bindThreads concurrent API calls for binding and reporting
     * @param assumedTtl  how long a bound-but-unconfirmed assumption is kept
     * @param parallelism threads that filter and score the nodes of a cycle (default: {@link #defaultParallelism()})
     */
    public record Options(String identity, String leaseNamespace, String leaseName, Duration leaseDuration,
                          Duration renewDeadline, Duration retryPeriod, int bindThreads, Duration assumedTtl,
                          List<ProfileConfig> profiles, int parallelism) {

        public Options {
            profiles = List.copyOf(profiles);
            if (parallelism < 1) {
                throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
            }
        }

        public Options(String identity, String leaseNamespace, String leaseName, Duration leaseDuration,
                       Duration renewDeadline, Duration retryPeriod, int bindThreads, Duration assumedTtl,
                       List<ProfileConfig> profiles) {
            this(identity, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod, bindThreads,
                    assumedTtl, profiles, defaultParallelism());
        }

        /**
         * One thread per core from 4 cores on; on 1–2 cores the scheduling thread alone: measured on 2 cores,
         * a second thread made every workload slower (186 → 141 pods/s basic, 81 → 62 pod-anti-affinity; the API
         * server and the informers need those cores; docs/benchmarks.md).
         */
        public static int defaultParallelism() {
            int cores = Runtime.getRuntime().availableProcessors();
            return cores >= 4 ? cores : 1;
        }

        /** Filter and Score on {@code threads} threads (1: on the scheduling thread alone). */
        public Options withParallelism(int threads) {
            return new Options(identity, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod,
                    bindThreads, assumedTtl, profiles, threads);
        }

        /**
         * Concurrent bindings by default. kube-scheduler binds each pod in a goroutine of its own; a bound keeps a
         * burst of decisions from opening thousands of requests at once. 16 left the two cores a fifth idle while
         * 50,000 bindings waited (1,700–1,900 pods/s); with 64 the API server's group commits and watch deliveries
         * batch more per wake-up (2,553 pods/s, a quarter less CPU per pod; docs/benchmarks.md, session 13).
         */
        public static final int DEFAULT_BIND_THREADS = 64;

        public static Options defaults(String identity) {
            return new Options(identity, "kube-system", "kaji-scheduler", Duration.ofSeconds(15),
                    Duration.ofSeconds(10), Duration.ofSeconds(2), DEFAULT_BIND_THREADS, Duration.ofSeconds(30),
                    List.of(InTreePlugins.defaultProfile()));
        }

        public Options withLease(Duration duration, Duration renew, Duration retry) {
            return new Options(identity, leaseNamespace, leaseName, duration, renew, retry, bindThreads, assumedTtl,
                    profiles, parallelism);
        }

        public Options withBindThreads(int threads) {
            return new Options(identity, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod,
                    threads, assumedTtl, profiles, parallelism);
        }

        public Options withProfiles(List<ProfileConfig> p) {
            return new Options(identity, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod,
                    bindThreads, assumedTtl, p, parallelism);
        }
    }

    private final KubernetesClient client;
    private final Options options;
    private final Clock clock;
    private volatile Running running;
    private volatile LeaderElection election;
    private volatile boolean closed;

    /** What runs while this instance leads. */
    private record Running(SharedInformerFactory informers, Scheduler scheduler, ExecutorService binders,
                           ScheduledExecutorService timers, ApiSchedulingReporter reporter) {}

    public KajiScheduler(KubernetesClient client, Options options, Clock clock) {
        this.client = client;
        this.options = options;
        this.clock = clock;
    }

    /** Starts campaigning; returns at once. Scheduling starts when (and each time) this instance leads. */
    public void start() {
        election = new LeaderElection(client, "kaji-scheduler", new LeaderElection.Lease(options.leaseNamespace(),
                options.leaseName(), options.identity(), options.leaseDuration(), options.renewDeadline(),
                options.retryPeriod()), this::startLeading, this::stopLeading);
        election.start();
    }

    /** True while this instance leads and schedules. */
    public boolean isLeading() {
        return running != null;
    }

    /** Pods this instance bound in its current term (0 when not leading). */
    public long boundCount() {
        Running r = running;
        return r == null ? 0 : r.scheduler().boundCount();
    }

    private synchronized void startLeading() {
        if (closed || running != null) {
            return;
        }
        log.info("scheduler {} is the leader; starting to schedule", options.identity());
        SchedulerCache cache = new SchedulerCache(clock, options.assumedTtl());
        SchedulingQueue queue = SchedulingQueue.withDefaults(clock);
        // Up to bindThreads at once; idle ones end after a minute, so a quiet cluster keeps few.
        ThreadPoolExecutor binders = new ThreadPoolExecutor(options.bindThreads(), options.bindThreads(), 60,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().name("kaji-scheduler-bind-", 0).daemon(true).factory());
        binders.allowCoreThreadTimeOut(true);
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-scheduler-timer").daemon(true).factory());
        SharedInformerFactory informers = client.informers();
        SharedIndexInformer<Node> nodes = Informers.retrying(informers.sharedIndexInformerFor(Node.class, 0));
        SharedIndexInformer<Pod> pods = Informers.retrying(informers.sharedIndexInformerFor(Pod.class, 0));
        SharedIndexInformer<ReplicaSet> replicaSets = served("apps/v1", "ReplicaSet")
                ? Informers.retrying(informers.sharedIndexInformerFor(ReplicaSet.class, 0)) : null;
        SharedIndexInformer<StatefulSet> statefulSets = served("apps/v1", "StatefulSet")
                ? Informers.retrying(informers.sharedIndexInformerFor(StatefulSet.class, 0)) : null;
        SharedIndexInformer<Service> services = served("v1", "Service")
                ? Informers.retrying(informers.sharedIndexInformerFor(Service.class, 0)) : null;
        SharedIndexInformer<PodDisruptionBudget> budgets = served("policy/v1", "PodDisruptionBudget")
                ? Informers.retrying(informers.sharedIndexInformerFor(PodDisruptionBudget.class, 0)) : null;
        SharedIndexInformer<PersistentVolumeClaim> claims = served("v1", "PersistentVolumeClaim")
                ? Informers.retrying(informers.sharedIndexInformerFor(PersistentVolumeClaim.class, 0)) : null;
        SharedIndexInformer<PersistentVolume> volumes = served("v1", "PersistentVolume")
                ? Informers.retrying(informers.sharedIndexInformerFor(PersistentVolume.class, 0)) : null;

        ApiSchedulingReporter reporter = new ApiSchedulingReporter(client, clock);
        var owners = new InformerOwnerSelectors(services == null ? null : services.getStore(),
                replicaSets == null ? null : replicaSets.getStore(), statefulSets == null ? null : statefulSets.getStore());
        var deps = new InTreePlugins.Dependencies(new ApiPodBinder(client, Duration.ofSeconds(30)),
                new ApiEvictor(client), owners,
                budgets == null ? DisruptionBudgets.NONE : () -> budgets.getStore().list(),
                new InformerVolumeObjects(claims, volumes));
        var registry = InTreePlugins.registry(deps);
        List<Profile> profiles = new ArrayList<>();
        for (ProfileConfig pc : options.profiles()) {
            profiles.add(new Profile(pc, registry));
        }
        // Filter and Score run over the nodes on options.parallelism() threads, as kube-scheduler's 16 workers do.
        Scheduler scheduler = new Scheduler(cache, queue, profiles, reporter, binders, new Random(),
                new io.kaji.scheduler.framework.Parallelizer(options.parallelism()));
        ClusterEventHandlers handlers = new ClusterEventHandlers(cache, queue, scheduler::responsibleFor);
        nodes.addEventHandler(handlers.nodes());
        pods.addEventHandler(handlers.pods());
        if (claims != null) {
            claims.addEventHandler(handlers.wakeOn(ClusterEvent.PVC_ADDED_OR_CHANGED));
        }
        if (volumes != null) {
            volumes.addEventHandler(handlers.wakeOn(ClusterEvent.PV_ADDED_OR_CHANGED));
        }
        try {
            informers.startAllRegisteredInformers().get(5, TimeUnit.MINUTES);
        } catch (Exception e) {
            log.error("scheduler {}: informers did not sync: {}", options.identity(), e.toString());
            informers.stopAllRegisteredInformers();
            binders.shutdownNow();
            timers.shutdownNow();
            reporter.close();
            throw new IllegalStateException("scheduler informers did not sync", e);
        }
        timers.scheduleWithFixedDelay(queue::flushBackoffCompleted, 1, 1, TimeUnit.SECONDS);
        timers.scheduleWithFixedDelay(queue::flushUnschedulableLeftover, 30, 30, TimeUnit.SECONDS);
        timers.scheduleWithFixedDelay(() -> cache.cleanupExpiredAssumedPods().forEach(p ->
                queue.onClusterEvent(io.kaji.scheduler.framework.ClusterEvent.ASSIGNED_POD_DELETED)),
                1, 1, TimeUnit.SECONDS);
        scheduler.start();
        running = new Running(informers, scheduler, binders, timers, reporter);
        log.info("scheduler {}: scheduling with {} node(s) known", options.identity(), cache.nodeCount());
    }

    private synchronized void stopLeading() {
        Running r = running;
        running = null;
        if (r == null) {
            return;
        }
        log.info("scheduler {} stopped leading; stopping", options.identity());
        r.scheduler().close();
        r.informers().stopAllRegisteredInformers();
        r.timers().shutdownNow();
        r.binders().shutdown();
        try {
            if (!r.binders().awaitTermination(5, TimeUnit.SECONDS)) {
                r.binders().shutdownNow();
            }
        } catch (InterruptedException e) {
            r.binders().shutdownNow();
            Thread.currentThread().interrupt();
        }
        r.reporter().close();
    }

    private boolean served(String groupVersion, String kind) {
        try {
            var list = client.getApiResources(groupVersion);
            return list != null && list.getResources().stream().map(APIResource::getKind).anyMatch(kind::equals);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Events dropped so far in this term of leadership because the event recorder's queue was full (0 when not
     * leading).
     */
    public long eventsDropped() {
        Running r = running;
        return r == null ? 0 : r.reporter().eventsDropped();
    }

    /** Stops scheduling and gives up the lease (so another instance takes over at once). */
    @Override
    public void close() {
        closed = true;
        LeaderElection e = election;
        if (e != null) {
            e.close(); // stops this term's work (stopLeading) and releases the lease
        }
    }
}
