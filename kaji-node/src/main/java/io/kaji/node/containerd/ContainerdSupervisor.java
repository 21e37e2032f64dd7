package io.kaji.node.containerd;

import io.grpc.StatusRuntimeException;
import io.kaji.node.cri.CriConnection;
import io.kaji.node.cri.v1.VersionResponse;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a node's private containerd as a child process, the way k3s does: generates its config, removes stale
 * sockets, starts it, waits for the CRI {@code Version} call to answer, restarts it with back-off when it dies,
 * probes it periodically, and reports a {@link RuntimeHealth} the agent turns into the node's Ready condition.
 *
 * <p>Containers survive a containerd restart and {@link #stop()} alike (their shims are separate processes); use
 * {@link ContainerdResidue} to remove them too.
 *
 * <p>Thread-safe. {@link #start()} and {@link #stop()} block; restarts and probes run on the scheduler passed in.
 * Listeners are called on that scheduler's thread (or the caller's, for start and stop) and must not block.
 */
public final class ContainerdSupervisor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ContainerdSupervisor.class);
    private static final Duration PROBE_DEADLINE = Duration.ofSeconds(2);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final ContainerdConfig config;
    private final Backoff backoff;
    private final Duration startTimeout;
    private final Duration probeInterval;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final CriConnection probe;
    private final boolean ownsProbe;
    private final List<Consumer<RuntimeHealth>> listeners = new CopyOnWriteArrayList<>();

    private volatile RuntimeHealth health;
    private volatile String runtimeVersion = "";
    private Process process;
    private Instant startedAt;
    private int failuresInRow;
    private int restarts;
    private boolean stopping;
    private ScheduledFuture<?> probeTask;

    /**
     * @param startTimeout  how long one start may take until the CRI answers
     * @param probeInterval how often a running containerd is asked for its Version
     * @param scheduler     runs restarts and probes; {@code null} for a private single thread closed by {@link #close()}
     */
    public ContainerdSupervisor(ContainerdConfig config, Backoff backoff, Duration startTimeout,
                                Duration probeInterval, Clock clock, ScheduledExecutorService scheduler) {
        this(config, backoff, startTimeout, probeInterval, clock, scheduler, null);
    }

    /**
     * Like the constructor above, probing over {@code connection} (a connection to {@code config.socket()} that the
     * caller also uses for its CRI calls, and closes itself) instead of a private one: one gRPC channel and event
     * loop thread per agent instead of two.
     */
    public ContainerdSupervisor(ContainerdConfig config, Backoff backoff, Duration startTimeout,
                                Duration probeInterval, Clock clock, ScheduledExecutorService scheduler,
                                CriConnection connection) {
        this.config = config;
        this.backoff = backoff;
        this.startTimeout = startTimeout;
        this.probeInterval = probeInterval;
        this.clock = clock;
        this.ownsScheduler = scheduler == null;
        this.scheduler = scheduler != null ? scheduler : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "containerd-supervisor");
            t.setDaemon(true);
            return t;
        });
        this.ownsProbe = connection == null;
        this.probe = connection != null ? connection : CriConnection.open(config.socket());
        this.health = RuntimeHealth.notReady("ContainerdStopped", "containerd has not been started", clock.instant(), 0);
    }

    /** A supervisor with the default back-off, a 30 s start timeout and a 5 s probe. */
    public static ContainerdSupervisor create(ContainerdConfig config) {
        return new ContainerdSupervisor(config, Backoff.DEFAULT, Duration.ofSeconds(30), Duration.ofSeconds(5),
                Clock.systemUTC(), null);
    }

    /** Like {@link #create(ContainerdConfig)}, probing over the caller's {@code connection} (not closed here). */
    public static ContainerdSupervisor create(ContainerdConfig config, CriConnection connection) {
        return new ContainerdSupervisor(config, Backoff.DEFAULT, Duration.ofSeconds(30), Duration.ofSeconds(5),
                Clock.systemUTC(), null, connection);
    }

    public ContainerdConfig config() {
        return config;
    }

    /** The current health; never null. */
    public RuntimeHealth health() {
        return health;
    }

    /** The runtime version the CRI reported at the last successful start ("containerd 1.6.20"), or "". */
    public String runtimeVersion() {
        return runtimeVersion;
    }

    /** The pid of the running containerd, if any. */
    public synchronized Optional<Long> pid() {
        return process != null && process.isAlive() ? Optional.of(process.pid()) : Optional.empty();
    }

    /** Registers a listener for every change of {@link #health()}. */
    public void addListener(Consumer<RuntimeHealth> listener) {
        listeners.add(listener);
    }

    /**
     * Writes the config and starts containerd; returns once the CRI answers. A containerd left running on this
     * data dir by an earlier agent (recorded in its pid file) is stopped first; its containers keep running.
     *
     * @throws IllegalStateException naming the data dir and the cause if containerd cannot be started or does not
     *                               answer within the start timeout (the process is then killed)
     */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("containerd for " + config.dataDir() + " is already running");
        }
        stopping = false;
        prepare();
        launchAndAwait();
        if (probeTask == null) {
            long ms = probeInterval.toMillis();
            probeTask = scheduler.scheduleWithFixedDelay(this::probeOnce, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Stops containerd: SIGTERM, then SIGKILL after 10 s; no restart follows. Running containers and their shims
     * are left alone (as at an agent restart). Blocking; idempotent.
     */
    public void stop() {
        Process p;
        synchronized (this) {
            stopping = true;
            if (probeTask != null) {
                probeTask.cancel(false);
                probeTask = null;
            }
            p = process;
        }
        if (p != null && p.isAlive()) {
            log.info("stopping containerd pid={} dataDir={}", p.pid(), config.dataDir());
            terminate(p.toHandle());
        }
        if (p != null) {
            // Only sockets of a containerd this supervisor ran: another one may still serve this data dir.
            deleteStaleSockets();
        }
        update(RuntimeHealth.notReady("ContainerdStopped", "containerd was stopped", clock.instant(), restarts));
    }

    /** Stops containerd and releases its own probe connection (not a caller's) and the private scheduler. */
    @Override
    public void close() {
        stop();
        if (ownsProbe) {
            probe.close();
        }
        if (ownsScheduler) {
            scheduler.shutdownNow();
        }
    }

    private void prepare() {
        try {
            for (Path dir : List.of(config.dataDir(), config.root(), config.state(), config.opt(), config.runcRoot(),
                    config.cniConfDir(), config.registryConfigDir())) {
                Files.createDirectories(dir);
            }
            Files.writeString(config.configFile(), config.toml());
        } catch (IOException e) {
            throw new IllegalStateException("containerd for " + config.dataDir() + ": cannot write its config: " + e, e);
        }
        stopPrevious();
        deleteStaleSockets();
    }

    /** Stops a containerd an earlier agent started on this data dir: two containerds on one root block each other. */
    private void stopPrevious() {
        Path pidFile = pidFile();
        if (!Files.exists(pidFile)) {
            return;
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            ProcessHandle.of(pid).filter(h -> h.info().command().map(c -> c.endsWith("containerd")).orElse(false))
                    .ifPresent(h -> {
                        log.info("stopping containerd pid={} left by an earlier agent dataDir={}", pid, config.dataDir());
                        terminate(h);
                    });
            Files.deleteIfExists(pidFile);
        } catch (IOException | NumberFormatException e) {
            log.warn("ignoring unreadable pid file {}: {}", pidFile, e.toString());
        }
    }

    private void deleteStaleSockets() {
        for (Path socket : List.of(config.socket(), config.ttrpcSocket(), config.debugSocket())) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                throw new UncheckedIOException("containerd for " + config.dataDir() + ": cannot remove stale "
                        + socket, e);
            }
        }
    }

    /** Starts the process and waits for Version; caller holds the lock. */
    private void launchAndAwait() {
        update(RuntimeHealth.notReady("ContainerdStarting", "containerd is starting", clock.instant(), restarts));
        Instant began = clock.instant();
        Process p;
        try {
            p = new ProcessBuilder(config.containerdBinary().toString(), "--config", config.configFile().toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(config.logFile().toFile()))
                    .start();
            Files.writeString(pidFile(), Long.toString(p.pid()));
        } catch (IOException e) {
            throw new IllegalStateException("containerd for " + config.dataDir() + ": cannot start "
                    + config.containerdBinary() + ": " + e.getMessage(), e);
        }
        process = p;
        startedAt = began;
        log.info("started containerd pid={} dataDir={}", p.pid(), config.dataDir());
        Optional<VersionResponse> version = awaitVersion(p);
        if (version.isEmpty()) {
            String why = p.isAlive() ? "did not answer within " + startTimeout
                    : "exited with code " + p.exitValue() + " (see " + config.logFile() + ")";
            terminate(p.toHandle());
            update(RuntimeHealth.notReady("ContainerdNotAnswering", "containerd " + why, clock.instant(), restarts));
            throw new IllegalStateException("containerd for " + config.dataDir() + " " + why);
        }
        runtimeVersion = version.get().getRuntimeName() + " " + version.get().getRuntimeVersion();
        log.info("containerd answers pid={} version={} after={}ms", p.pid(), runtimeVersion,
                Duration.between(began, clock.instant()).toMillis());
        update(new RuntimeHealth(true, "ContainerdReady", runtimeVersion + " answers", clock.instant(), restarts));
        p.onExit().thenAccept(this::onExit);
    }

    private Optional<VersionResponse> awaitVersion(Process p) {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.exists(config.socket())) {
                probe.resetConnectBackoff();
                try {
                    return Optional.of(probe.version(Duration.ofSeconds(1)));
                } catch (StatusRuntimeException e) {
                    log.debug("containerd not answering yet: {}", e.getStatus());
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private synchronized void onExit(Process exited) {
        if (stopping || exited != process) {
            return;
        }
        Duration up = Duration.between(startedAt, clock.instant());
        failuresInRow = up.compareTo(backoff.resetAfter()) >= 0 ? 1 : failuresInRow + 1;
        Duration delay = backoff.delay(failuresInRow);
        String message = "containerd pid " + exited.pid() + " exited with code " + exited.exitValue()
                + "; restarting in " + delay.toMillis() + " ms";
        log.warn("{} dataDir={}", message, config.dataDir());
        update(RuntimeHealth.notReady("ContainerdExited", message, clock.instant(), restarts));
        scheduler.schedule(this::restart, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void restart() {
        if (stopping || (process != null && process.isAlive())) {
            return;
        }
        restarts++;
        try {
            deleteStaleSockets();
            launchAndAwait();
        } catch (RuntimeException e) {
            log.warn("restart of containerd failed dataDir={}: {}", config.dataDir(), e.getMessage());
            failuresInRow++;
            Duration delay = backoff.delay(failuresInRow);
            scheduler.schedule(this::restart, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void probeOnce() {
        Process p;
        synchronized (this) {
            p = process;
            if (stopping || p == null || !p.isAlive()) {
                return;
            }
        }
        try {
            probe.version(PROBE_DEADLINE);
            if (!health.ready()) {
                update(new RuntimeHealth(true, "ContainerdReady", runtimeVersion + " answers", clock.instant(),
                        restarts));
            }
        } catch (StatusRuntimeException e) {
            if (health.ready()) {
                update(RuntimeHealth.notReady("ContainerdNotAnswering",
                        "containerd pid " + p.pid() + " does not answer the CRI: " + e.getStatus().getCode(),
                        clock.instant(), restarts));
            }
        }
    }

    private void update(RuntimeHealth next) {
        RuntimeHealth previous = health;
        health = next;
        if (previous.ready() != next.ready() || !previous.reason().equals(next.reason())) {
            for (Consumer<RuntimeHealth> listener : listeners) {
                try {
                    listener.accept(next);
                } catch (RuntimeException e) {
                    log.warn("runtime health listener failed: {}", e.toString());
                }
            }
        }
    }

    private void terminate(ProcessHandle handle) {
        handle.destroy();
        try {
            handle.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("containerd pid={} ignored SIGTERM for {}; killing it", handle.pid(), STOP_GRACE);
            handle.destroyForcibly();
            handle.onExit().join();
        }
    }

    private Path pidFile() {
        return config.dataDir().resolve("containerd.pid");
    }
}
