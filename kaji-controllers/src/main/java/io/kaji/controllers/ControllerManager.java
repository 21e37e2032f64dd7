package io.kaji.controllers;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.SharedInformerFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.APIResource;
import io.kaji.controllers.deployment.DeploymentController;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.kaji.controllers.disruption.DisruptionController;
import io.kaji.controllers.endpointslice.EndpointSliceController;
import io.kaji.controllers.endpointslice.EndpointSliceMirroringController;
import io.kaji.controllers.gc.GarbageCollector;
import io.kaji.controllers.daemonset.DaemonSetController;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.kaji.controllers.job.JobController;
import io.kaji.controllers.statefulset.StatefulSetController;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.kaji.controllers.cronjob.CronJobController;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.kaji.controllers.serviceaccount.ServiceAccountController;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.kaji.controllers.namespace.NamespaceController;
import io.kaji.controllers.nodeipam.CidrAllocator;
import io.kaji.controllers.nodeipam.NodeIpamController;
import io.kaji.controllers.nodelifecycle.NodeLifecycleController;
import io.kaji.controllers.podgc.PodGarbageCollector;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.kaji.controllers.replicaset.ReplicaSetController;
import io.kaji.controllers.resourcequota.ResourceQuotaController;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.Secret;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.Handlers;
import io.kaji.controllers.runtime.Informers;
import io.kaji.controllers.runtime.LeaderElection;
import io.kaji.controllers.runtime.EventRecorder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Kaji's controllers against any Kubernetes API server, through the fabric8 client only. Several
 * controller managers may run at once: they elect one leader on the {@code coordination.k8s.io/v1} Lease
 * {@code kube-system/kaji-controller-manager}; only the leader's informers and controllers run. A leader that
 * loses its lease stops its controllers at once (Kubernetes' controller manager exits instead; inside
 * {@code kaji server} stopping is enough) and campaigns again.
 */
public final class ControllerManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControllerManager.class);

    /** Settings; {@link #defaults(String)} gives Kubernetes' lease timings. */
    public record Options(String identity, String leaseNamespace, String leaseName, Duration leaseDuration,
                          Duration renewDeadline, Duration retryPeriod, int workers, Duration resync,
                          String clusterCidr, int nodeCidrPrefix, NodeLifecycleController.Options nodeLifecycle,
                          PodGarbageCollector.Options podGc, Duration quotaResync) {
        /** Kubernetes' {@code --resource-quota-sync-period}: how often every quota is recalculated regardless. */
        public static final Duration QUOTA_RESYNC = Duration.ofMinutes(5);

        public static Options defaults(String identity) {
            return new Options(identity, "kube-system", "kaji-controller-manager", Duration.ofSeconds(15),
                    Duration.ofSeconds(10), Duration.ofSeconds(2), 5, Duration.ofMinutes(10),
                    "10.42.0.0/16", 24, NodeLifecycleController.Options.defaults(),
                    PodGarbageCollector.Options.defaults(), QUOTA_RESYNC);
        }

        public Options withQuotaResync(Duration d) {
            return new Options(identity, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod, workers,
                    resync, clusterCidr, nodeCidrPrefix, nodeLifecycle, podGc, d);
        }

        public Options withPodGc(PodGarbageCollector.Options o) {
            return new Options(identity, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod, workers,
                    resync, clusterCidr, nodeCidrPrefix, nodeLifecycle, o, quotaResync);
        }

        public Options withLease(Duration duration, Duration renew, Duration retry) {
            return new Options(identity, leaseNamespace, leaseName, duration, renew, retry, workers, resync,
                    clusterCidr, nodeCidrPrefix, nodeLifecycle, podGc, quotaResync);
        }

        public Options withClusterCidr(String cidr, int nodePrefix) {
            return new Options(identity, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod, workers,
                    resync, cidr, nodePrefix, nodeLifecycle, podGc, quotaResync);
        }

        public Options withNodeLifecycle(NodeLifecycleController.Options o) {
            return new Options(identity, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod, workers,
                    resync, clusterCidr, nodeCidrPrefix, o, podGc, quotaResync);
        }
    }

    private final KubernetesClient client;
    private final Options options;
    private final Clock clock;
    private volatile Running running;
    private volatile LeaderElection election;
    private volatile boolean closed;

    /** What runs while this instance leads. */
    private record Running(SharedInformerFactory informers, List<SharedIndexInformer<?>> standalone,
                           List<Controller> controllers, List<AutoCloseable> loops) {}

    public ControllerManager(KubernetesClient client, Options options, Clock clock) {
        this.client = client;
        this.options = options;
        this.clock = clock;
    }

    /** Starts campaigning; returns at once. Controllers start when (and each time) this instance leads. */
    public void start() {
        election = new LeaderElection(client, "kaji-controller-manager", new LeaderElection.Lease(options.leaseNamespace(),
                options.leaseName(), options.identity(), options.leaseDuration(), options.renewDeadline(),
                options.retryPeriod()), this::startLeading, this::stopLeading);
        election.start();
    }

    /** True while this instance leads and its controllers run. */
    public boolean isLeading() {
        return running != null;
    }

    private synchronized void startLeading() {
        if (closed || running != null) {
            return;
        }
        log.info("controller manager {} is the leader; starting controllers", options.identity());
        SharedInformerFactory informers = client.informers();
        long resync = options.resync().toMillis();
        SharedIndexInformer<Pod> pods = Informers.retrying(informers.sharedIndexInformerFor(Pod.class, resync));
        SharedIndexInformer<ReplicaSet> replicaSets = Informers.retrying(informers.sharedIndexInformerFor(ReplicaSet.class, resync));
        SharedIndexInformer<Deployment> deployments = Informers.retrying(informers.sharedIndexInformerFor(Deployment.class, resync));

        List<Controller> controllers = new ArrayList<>();
        List<AutoCloseable> closeables = new ArrayList<>();
        java.util.function.Function<String, EventRecorder> recorder = component -> {
            EventRecorder r = new EventRecorder(client, component, clock);
            closeables.add(r);
            return r;
        };
        controllers.add(new ReplicaSetController(client, replicaSets, pods,
                recorder.apply("replicaset-controller"), clock, options.workers()).controller());
        controllers.add(new DeploymentController(client, deployments, replicaSets, pods,
                recorder.apply("deployment-controller"), clock, options.workers()).controller());

        SharedIndexInformer<Node> nodes = Informers.retrying(informers.sharedIndexInformerFor(Node.class, resync));
        // Not through the factory: its inNamespace() would also scope every informer made after it.
        SharedIndexInformer<Lease> leases = Informers.retrying(
                client.leases().inNamespace("kube-node-lease").runnableInformer(resync));
        controllers.add(new NodeIpamController(client, nodes, new CidrAllocator(options.clusterCidr(), options.nodeCidrPrefix()),
                recorder.apply("node-ipam-controller")).controller());
        NodeLifecycleController lifecycle = new NodeLifecycleController(client, nodes, leases, pods,
                recorder.apply("node-controller"), clock, options.nodeLifecycle());

        SharedIndexInformer<Service> services = Informers.retrying(informers.sharedIndexInformerFor(Service.class, resync));
        SharedIndexInformer<EndpointSlice> slices = Informers.retrying(informers.sharedIndexInformerFor(EndpointSlice.class, resync));
        controllers.add(new EndpointSliceController(client, services, pods, slices, options.workers()).controller());
        SharedIndexInformer<Endpoints> endpoints = Informers.retrying(informers.sharedIndexInformerFor(Endpoints.class, resync));
        controllers.add(new EndpointSliceMirroringController(client, services, endpoints, slices, options.workers())
                .controller());
        SharedIndexInformer<PodDisruptionBudget> budgets = Informers.retrying(
                informers.sharedIndexInformerFor(PodDisruptionBudget.class, resync));
        controllers.add(new DisruptionController(client, budgets, pods, clock, options.workers()).controller());

        SharedIndexInformer<DaemonSet> daemonSets = Informers.retrying(informers.sharedIndexInformerFor(DaemonSet.class, resync));
        controllers.add(new DaemonSetController(client, daemonSets, nodes, pods,
                recorder.apply("daemonset-controller"), clock, options.workers()).controller());

        SharedIndexInformer<StatefulSet> statefulSets = Informers.retrying(informers.sharedIndexInformerFor(StatefulSet.class, resync));
        controllers.add(new StatefulSetController(client, statefulSets, pods,
                recorder.apply("statefulset-controller"), options.workers()).controller());

        SharedIndexInformer<Job> jobs = Informers.retrying(informers.sharedIndexInformerFor(Job.class, resync));
        controllers.add(new JobController(client, jobs, pods, recorder.apply("job-controller"), clock,
                options.workers()).controller());

        SharedIndexInformer<CronJob> cronJobs = Informers.retrying(informers.sharedIndexInformerFor(CronJob.class, resync));
        controllers.add(new CronJobController(client, cronJobs, jobs, recorder.apply("cronjob-controller"),
                clock, options.workers()).controller());

        SharedIndexInformer<Namespace> namespaces = Informers.retrying(informers.sharedIndexInformerFor(Namespace.class, resync));
        ServiceAccountController serviceAccounts = new ServiceAccountController(client, namespaces, clusterCaPem(),
                options.workers());
        controllers.add(serviceAccounts.controller());
        controllers.add(new NamespaceController(client, namespaces, clock, options.workers()).controller());
        // A deleted default ServiceAccount or root CA ConfigMap is put back.
        SharedIndexInformer<ServiceAccount> accounts = Informers.retrying(informers.sharedIndexInformerFor(ServiceAccount.class, resync));
        SharedIndexInformer<ConfigMap> configMaps = Informers.retrying(informers.sharedIndexInformerFor(ConfigMap.class, resync));
        accounts.addEventHandler(Handlers.onDelete(sa -> serviceAccounts.enqueue(sa.getMetadata().getNamespace())));
        configMaps.addEventHandler(Handlers.onDelete(cm -> serviceAccounts.enqueue(cm.getMetadata().getNamespace())));

        SharedIndexInformer<ResourceQuota> resourceQuotas = Informers.retrying(
                informers.sharedIndexInformerFor(ResourceQuota.class, resync));
        SharedIndexInformer<Secret> secrets = Informers.retrying(informers.sharedIndexInformerFor(Secret.class, resync));
        SharedIndexInformer<PersistentVolumeClaim> claims = Informers.retrying(
                informers.sharedIndexInformerFor(PersistentVolumeClaim.class, resync));
        controllers.add(new ResourceQuotaController(client, resourceQuotas,
                List.of(pods, services, configMaps, secrets, claims), options.quotaResync(), clock, options.workers())
                .controller());

        GarbageCollector gc = new GarbageCollector(client, options.workers());
        controllers.add(gc.controller());
        List<SharedIndexInformer<?>> standalone = new ArrayList<>();
        standalone.add(leases);
        // The kinds Kaji's own controllers create or own, through the typed informers above: the collector reads
        // only metadata, so each kind is watched, decoded and cached once per process (a generic informer of its own
        // per kind decoded every event a second time, as a typed object converted to a generic one, and cached
        // every Pod, Secret and ConfigMap twice).
        Map<GarbageCollector.Watched, SharedIndexInformer<? extends HasMetadata>> collected = new LinkedHashMap<>();
        collected.put(new GarbageCollector.Watched("v1", "Pod"), pods);
        collected.put(new GarbageCollector.Watched("v1", "Service"), services);
        collected.put(new GarbageCollector.Watched("v1", "ConfigMap"), configMaps);
        collected.put(new GarbageCollector.Watched("v1", "Secret"), secrets);
        collected.put(new GarbageCollector.Watched("apps/v1", "ReplicaSet"), replicaSets);
        collected.put(new GarbageCollector.Watched("apps/v1", "Deployment"), deployments);
        collected.put(new GarbageCollector.Watched("apps/v1", "DaemonSet"), daemonSets);
        collected.put(new GarbageCollector.Watched("apps/v1", "StatefulSet"), statefulSets);
        collected.put(new GarbageCollector.Watched("batch/v1", "Job"), jobs);
        collected.put(new GarbageCollector.Watched("batch/v1", "CronJob"), cronJobs);
        collected.put(new GarbageCollector.Watched("discovery.k8s.io/v1", "EndpointSlice"), slices);
        for (GarbageCollector.Watched w : servedKinds(List.copyOf(collected.keySet()))) {
            gc.watch(w, collected.get(w));
        }
        try {
            // Controllers act only on a full picture: wait until every informer has listed.
            informers.startAllRegisteredInformers().get(5, TimeUnit.MINUTES);
            for (var inf : standalone) {
                inf.start().toCompletableFuture().get(5, TimeUnit.MINUTES);
            }
        } catch (Exception e) {
            log.error("controller manager {}: informers did not sync: {}", options.identity(), e.toString());
            controllers.forEach(Controller::close);
            closeables.forEach(ControllerManager::closeQuietly);
            informers.stopAllRegisteredInformers();
            standalone.forEach(SharedIndexInformer::stop);
            throw new IllegalStateException("informers did not sync", e);
        }
        controllers.forEach(Controller::start);
        lifecycle.start();
        closeables.add(0, lifecycle);
        PodGarbageCollector podGc = new PodGarbageCollector(client, pods, nodes, clock, options.podGc());
        podGc.start();
        closeables.add(0, podGc);
        running = new Running(informers, standalone, controllers, closeables);
    }

    private synchronized void stopLeading() {
        Running r = running;
        running = null;
        if (r == null) {
            return;
        }
        log.info("controller manager {} stopped leading; stopping controllers", options.identity());
        r.controllers().forEach(Controller::close);
        r.loops().forEach(ControllerManager::closeQuietly);
        r.informers().stopAllRegisteredInformers();
        r.standalone().forEach(SharedIndexInformer::stop);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.debug("stopping {}", c, e);
        }
    }

    /** The CA this client trusts for the API server: the cluster CA that pods should trust too. */
    private String clusterCaPem() {
        var config = client.getConfiguration();
        try {
            if (config.getCaCertData() != null && !config.getCaCertData().isBlank()) {
                return new String(java.util.Base64.getDecoder().decode(config.getCaCertData().trim()),
                        java.nio.charset.StandardCharsets.UTF_8);
            }
            if (config.getCaCertFile() != null) {
                return java.nio.file.Files.readString(java.nio.file.Path.of(config.getCaCertFile()));
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            log.warn("cannot read the cluster CA to publish as kube-root-ca.crt: {}", e.toString());
        }
        return null;
    }

    /** The kinds of {@code wanted} that this API server serves (discovery), so no informer waits for a 404. */
    private List<GarbageCollector.Watched> servedKinds(List<GarbageCollector.Watched> wanted) {
        List<GarbageCollector.Watched> served = new ArrayList<>();
        Map<String, List<String>> kindsByGroupVersion = new java.util.HashMap<>();
        for (GarbageCollector.Watched w : wanted) {
            List<String> kinds = kindsByGroupVersion.computeIfAbsent(w.apiVersion(), gv -> {
                try {
                    var list = client.getApiResources(gv);
                    return list == null ? List.of() : list.getResources().stream().map(APIResource::getKind).toList();
                } catch (RuntimeException e) {
                    return List.of();
                }
            });
            if (kinds.contains(w.kind())) {
                served.add(w);
            } else {
                log.info("garbage collector: {} {} is not served here; not watching it", w.apiVersion(), w.kind());
            }
        }
        return served;
    }

    /** Stops the controllers and gives up the lease (so another instance takes over at once). */
    @Override
    public void close() {
        closed = true;
        LeaderElection e = election;
        if (e != null) {
            e.close(); // stops this term's work (stopLeading) and releases the lease
        }
    }
}
