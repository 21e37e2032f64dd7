package io.kaji.cli.localcluster;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Issue 8's scenario 5: a burst of ConfigMap creates from several client threads, the server SIGKILLed once a
 * given number of them were acknowledged (HTTP 201), then restarted on the same data dir; afterwards every
 * acknowledged ConfigMap must be there. Creates that fail (connection refused or reset while the server is down)
 * are not retried: their objects may or may not exist, only the acknowledged ones are promised.
 *
 * <p>Blocking; one run per instance at a time.
 */
public final class ServerKillBurst {

    /** Label carried by every ConfigMap of a burst, valued with its name prefix. */
    public static final String LABEL = "kaji.io/burst";

    /**
     * What happened.
     *
     * @param attempted    creates sent
     * @param acknowledged names of the ConfigMaps whose create returned 201
     * @param failed       creates that failed (during the outage)
     * @param killedAtMs   the kill, in ms after the burst started
     * @param apiBackMs    from the kill until the restarted server's API answered, in ms
     * @param missing      acknowledged names not found after the restart (must be empty)
     */
    public record Outcome(int attempted, Set<String> acknowledged, int failed, long killedAtMs, long apiBackMs,
                          Set<String> missing) {}

    private final LocalCluster cluster;
    private final String namespace;
    private final String prefix;
    private final int creates;
    private final int threads;
    private final int killAfterAcks;

    /**
     * @param creates       how many ConfigMaps to create ({@code <prefix>-0000} …)
     * @param threads       concurrent client threads
     * @param killAfterAcks kill the server once this many creates were acknowledged (less than {@code creates})
     */
    public ServerKillBurst(LocalCluster cluster, String namespace, String prefix, int creates, int threads,
                           int killAfterAcks) {
        if (killAfterAcks >= creates) {
            throw new IllegalArgumentException("kill after " + killAfterAcks + " acknowledged creates of " + creates
                    + ": choose fewer than the burst, so that the kill falls inside it");
        }
        this.cluster = cluster;
        this.namespace = namespace;
        this.prefix = prefix;
        this.creates = creates;
        this.threads = threads;
        this.killAfterAcks = killAfterAcks;
    }

    /**
     * Runs the burst, kills the server, runs {@code duringOutage} while it is down, restarts it and checks.
     *
     * @throws IllegalStateException if the burst did not reach {@code killAfterAcks} acknowledgements in 120 s
     */
    public Outcome run(Runnable duringOutage) {
        Set<String> acked = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch enough = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        long killedAt;
        try (KubernetesClient noRetries = clientWithoutRetries()) {
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < creates; i = next.getAndIncrement()) {
                        String name = "%s-%04d".formatted(prefix, i);
                        try {
                            noRetries.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder()
                                    .withNewMetadata().withName(name).addToLabels(LABEL, prefix).endMetadata()
                                    .addToData("index", Integer.toString(i)).build()).create();
                            acked.add(name);
                            if (acked.size() >= killAfterAcks) {
                                enough.countDown();
                            }
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                        }
                    }
                });
            }
            try {
                if (!enough.await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("only " + acked.size() + " of " + killAfterAcks
                            + " creates acknowledged within 120 s\n" + cluster.server().tail(30));
                }
                killedAt = System.nanoTime();
                cluster.killServer();
                pool.shutdown();
                if (!pool.awaitTermination(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the burst's clients did not finish within 120 s of the kill");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during the burst", e);
            }
        } finally {
            pool.shutdownNow();
        }
        duringOutage.run();
        cluster.restartServer();
        long back = System.nanoTime();
        Set<String> present = cluster.client().configMaps().inNamespace(namespace).withLabel(LABEL, prefix).list()
                .getItems().stream().map(c -> c.getMetadata().getName()).collect(Collectors.toSet());
        Set<String> missing = new HashSet<>(acked);
        missing.removeAll(present);
        return new Outcome(Math.min(next.get(), creates), Set.copyOf(acked), failed.get(),
                (killedAt - start) / 1_000_000, (back - killedAt) / 1_000_000, missing);
    }

    /** A client that reports a failed request at once instead of retrying it (fabric8 retries by default). */
    private KubernetesClient clientWithoutRetries() {
        try {
            Config config = Config.fromKubeconfig(Files.readString(cluster.kubeconfig()));
            config.setRequestRetryBackoffLimit(0);
            config.setRequestTimeout(10_000);
            return new KubernetesClientBuilder().withConfig(config).build();
        } catch (IOException e) {
            throw new UncheckedIOException("read " + cluster.kubeconfig() + ": " + e.getMessage(), e);
        }
    }
}
