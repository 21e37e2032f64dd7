package io.kaji.bench.node;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Issue 6's pod start-up latency: pods created through the API, the time from each create request to the pod
 * being observed Running (and Ready) by a watch, as Kubernetes' pod start-up SLO measures it (image present, no
 * init containers). Two modes: a burst of pods created at once (latencies and pods/s from the first create to the
 * last pod Running) and pods created one by one (each after the previous one was observed Ready).
 *
 * <p>Works against any cluster whose nodes have {@code image}; the pods are sleeping containers in
 * {@code namespace}, labelled {@value #LABEL}, deleted by {@link #deleteAll}. Not thread-safe: one caller drives it.
 */
public final class PodStartupBenchmark {

    /** The label every benchmark pod carries (value: the run's name). */
    public static final String LABEL = "kaji.io/bench-pod-startup";

    /**
     * One mode's figures.
     *
     * @param mode          "burst" or "serial"
     * @param pods          pods created
     * @param running       create request sent → pod observed with phase Running
     * @param ready         create request sent → pod observed with condition Ready=True
     * @param podsPerSecond pods Running per second, from the first create request to the last pod Running
     */
    public record Result(String mode, int pods, LatencySummary running, LatencySummary ready, double podsPerSecond) {}

    private final KubernetesClient client;
    private final String namespace;
    private final String image;
    private final String nodeName;
    private final Consumer<String> progress;
    private final Map<String, Long> created = new ConcurrentHashMap<>();
    private final Map<String, Long> running = new ConcurrentHashMap<>();
    private final Map<String, Long> ready = new ConcurrentHashMap<>();
    private final Object changed = new Object();

    /**
     * @param image    the pods' image, present on the nodes (pull policy IfNotPresent)
     * @param nodeName the node every pod is bound to at creation, or null to let the scheduler place them (so its
     *                 binding is part of the latency, as in Kubernetes' SLO)
     * @param progress where progress lines go
     */
    public PodStartupBenchmark(KubernetesClient client, String namespace, String image, String nodeName,
                               Consumer<String> progress) {
        this.client = client;
        this.namespace = namespace;
        this.image = image;
        this.nodeName = nodeName;
        this.progress = progress;
    }

    /** Creates {@code pods} pods at once (from 8 client threads) and waits until all are Running and Ready. */
    public Result burst(int pods, Duration timeout) throws InterruptedException {
        return burst("burst", pods, timeout);
    }

    /** {@link #burst(int, Duration)} with pods named and labelled {@code run} (e.g. a warm-up before the burst). */
    public Result burst(String run, int pods, Duration timeout) throws InterruptedException {
        reset();
        try (Watch w = watch(run); ExecutorService creators = Executors.newFixedThreadPool(8)) {
            List<Future<?>> creates = new ArrayList<>();
            for (int i = 0; i < pods; i++) {
                String name = run + "-" + i;
                creates.add(creators.submit(() -> create(run, name)));
            }
            for (Future<?> f : creates) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("creating a pod failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
            progress.accept(pods + " pods created; waiting for all Running and Ready");
            awaitAll(pods, timeout, true);
        }
        return result(run, pods);
    }

    /** Creates {@code pods} pods one by one, each once the previous one was observed Ready. */
    public Result serial(int pods, Duration timeoutEach) throws InterruptedException {
        String run = "serial";
        reset();
        try (Watch w = watch(run)) {
            for (int i = 0; i < pods; i++) {
                create(run, run + "-" + i);
                awaitAll(i + 1, timeoutEach, false);
            }
        }
        return result(run, pods);
    }

    private void reset() {
        created.clear();
        running.clear();
        ready.clear();
    }

    private Result result(String run, int pods) {
        List<Long> toRunning = new ArrayList<>();
        List<Long> toReady = new ArrayList<>();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (var e : created.entrySet()) {
            long t0 = e.getValue();
            long tr = running.get(e.getKey());
            toRunning.add(tr - t0);
            toReady.add(ready.get(e.getKey()) - t0);
            first = Math.min(first, t0);
            last = Math.max(last, tr);
        }
        return new Result(run, pods, LatencySummary.ofNanos(toRunning), LatencySummary.ofNanos(toReady),
                LatencySummary.perSecond(pods, last - first));
    }

    /** The pod the benchmark creates: one container sleeping, a short grace period, labelled with its run. */
    public static Pod pod(String namespace, String name, String run, String nodeName, String image) {
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).addToLabels(LABEL, run).endMetadata()
                .withNewSpec().withNodeName(nodeName).withTerminationGracePeriodSeconds(1L)
                .addNewContainer().withName("main").withImage(image).withImagePullPolicy("IfNotPresent")
                .withCommand("sleep", "1000000").endContainer()
                .endSpec().build();
    }

    /**
     * {@code pod} as the API server stores it, in what a node agent reads (the CRI floor builds the same pods
     * without a server): the defaults the agent acts on (dnsPolicy, enableServiceLinks, restartPolicy, the
     * termination-message path) and the ServiceAccount admission's projected volume (token, CA bundle, namespace)
     * mounted read-only at the usual path. {@code PodStartupBenchmarkTest} checks it against a real API server.
     */
    public static Pod admitted(Pod pod, String uid) {
        return new PodBuilder(pod).editMetadata().withUid(uid).endMetadata()
                .editSpec().withDnsPolicy("ClusterFirst").withEnableServiceLinks(true).withRestartPolicy("Always")
                .withServiceAccountName("default")
                .addNewVolume().withName("kube-api-access-floor").withNewProjected().withDefaultMode(420)
                .addNewSource().withNewServiceAccountToken().withExpirationSeconds(3607L).withPath("token")
                .endServiceAccountToken().endSource()
                .addNewSource().withNewConfigMap().withName("kube-root-ca.crt").addNewItem().withKey("ca.crt")
                .withPath("ca.crt").endItem().endConfigMap().endSource()
                .addNewSource().withNewDownwardAPI().addNewItem().withPath("namespace").withNewFieldRef()
                .withApiVersion("v1").withFieldPath("metadata.namespace").endFieldRef().endItem().endDownwardAPI()
                .endSource().endProjected().endVolume()
                .editFirstContainer().withTerminationMessagePath("/dev/termination-log")
                .withTerminationMessagePolicy("File")
                .addNewVolumeMount().withName("kube-api-access-floor")
                .withMountPath("/var/run/secrets/kubernetes.io/serviceaccount").withReadOnly(true).endVolumeMount()
                .endContainer().endSpec().build();
    }

    private void create(String run, String name) {
        Pod pod = pod(namespace, name, run, nodeName, image);
        created.put(name, System.nanoTime());
        client.pods().inNamespace(namespace).resource(pod).create();
    }

    private Watch watch(String run) {
        return client.pods().inNamespace(namespace).withLabel(LABEL, run).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                long now = System.nanoTime();
                if (action != Action.ADDED && action != Action.MODIFIED || pod.getStatus() == null) {
                    return;
                }
                String name = pod.getMetadata().getName();
                boolean news = false;
                if ("Running".equals(pod.getStatus().getPhase())) {
                    news = running.putIfAbsent(name, now) == null;
                }
                if (isReady(pod)) {
                    news |= ready.putIfAbsent(name, now) == null;
                }
                if (news) {
                    synchronized (changed) {
                        changed.notifyAll();
                    }
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                progress.accept("the pod watch closed: " + cause.getMessage());
            }
        });
    }

    static boolean isReady(Pod pod) {
        return pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private void awaitAll(int n, Duration timeout, boolean report) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int lastReported = -1;
        synchronized (changed) {
            while (running.size() < n || ready.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("only " + running.size() + " of " + n + " pods Running and "
                            + ready.size() + " Ready after " + timeout.toSeconds() + " s: see the agent's log");
                }
                if (report && running.size() / 10 != lastReported && running.size() < n) {
                    lastReported = running.size() / 10;
                    if (lastReported > 0) {
                        progress.accept(running.size() + " of " + n + " Running");
                    }
                }
                changed.wait(Math.max(1, Math.min(left / 1_000_000, 1000)));
            }
        }
    }

    /**
     * Deletes every benchmark pod gracefully (1 s) and waits up to {@code timeout} until they are gone, i.e. until
     * the node confirmed that their containers stopped, so that the next mode does not start while the node is
     * still tearing pods down (a deletion with grace period 0 would remove the objects at once).
     */
    public void deleteAll(Duration timeout) throws InterruptedException {
        client.pods().inNamespace(namespace).withLabel(LABEL).withGracePeriod(1).delete();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!client.pods().inNamespace(namespace).withLabel(LABEL).list().getItems().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("benchmark pods still present " + timeout.toSeconds()
                        + " s after their deletion: see the agent's log");
            }
            Thread.sleep(250);
        }
    }
}
