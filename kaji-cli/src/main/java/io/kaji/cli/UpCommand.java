package io.kaji.cli;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.node.containerd.ContainerdConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaji up}: starts a single-node cluster in the background ({@code kaji server} with all defaults), waits
 * until its node is Ready, and prints how to use it. A second run finds it running, or restarts it on the same data
 * dir.
 */
@Command(name = "up",
        mixinStandardHelpOptions = true,
        description = {
                "Start a single-node cluster in the background; wait until its node is Ready.",
                "Runs 'kaji server' (API server on 6443, controllers, scheduler, a node",
                "agent with its own containerd, the busybox demo image) detached, logging",
                "to <data-dir>/server.log, its pid in <data-dir>/server.pid. Needs root and",
                "what ./setup installs. A running cluster is left as it is; a stopped one",
                "starts again on the same data. 'kaji status' shows it, 'kaji down' stops it."})
public final class UpCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "The cluster's data dir (default: /var/lib/kaji for root, else ~/.kaji).")
    Path dataDir;

    @Option(names = "--https-port", defaultValue = "6443", paramLabel = "PORT",
            description = "The API server's port (default: ${DEFAULT-VALUE}).")
    int httpsPort;

    @Option(names = "--timeout", defaultValue = "180s", paramLabel = "DURATION",
            description = "How long to wait for the node to be Ready (default: ${DEFAULT-VALUE}).")
    String timeout;

    /** Binaries the node agent runs; all come from ./setup's packages. */
    static final List<Path> PREREQUISITES = List.of(ContainerdConfig.DEFAULT_CONTAINERD, ContainerdConfig.DEFAULT_RUNC,
            ContainerdConfig.DEBIAN_CNI_BIN_DIR.resolve("bridge"), ContainerdConfig.DEBIAN_CNI_BIN_DIR.resolve("host-local"),
            ContainerdConfig.DEBIAN_CNI_BIN_DIR.resolve("loopback"));

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!DataDir.isRoot()) {
            throw new IllegalStateException("kaji up runs containers and needs root: sudo ./kaji up");
        }
        List<String> missing = missingPrerequisites(PREREQUISITES, Files::isExecutable, onPath("iptables"), onPath("ip"));
        if (!missing.isEmpty()) {
            throw new IllegalStateException("missing " + String.join(", ", missing) + ": run sudo ./setup first");
        }
        DataDir dir = DataDir.of(dataDir);
        Duration wait = Durations.parse(timeout);
        ServerProcess server = new ServerProcess(dir);
        Optional<ProcessHandle> running = server.running();
        ProcessHandle handle;
        if (running.isPresent()) {
            handle = running.get();
            if (ClusterClient.ready(dir.kubeconfig())) {
                out.printf("Kaji is already running (pid %d, data dir %s).%n", handle.pid(), dir);
                printNext(out, dir);
                return 0;
            }
            out.printf("Kaji server pid %d is starting; waiting for it (log: %s)%n", handle.pid(), dir.log());
        } else {
            String busy = portInUse(httpsPort);
            if (busy != null) {
                throw new IllegalStateException("port " + httpsPort + " is in use (" + busy + "): another Kaji server "
                        + "or API server runs here; stop it, or choose another port with --https-port");
            }
            Files.createDirectories(dir.path());
            handle = server.start(List.of("--data-dir", dir.toString(), "--https-port", String.valueOf(httpsPort)));
            out.printf("Starting Kaji (pid %d, data dir %s, log %s)%n", handle.pid(), dir, dir.log());
        }
        out.flush();
        long start = System.nanoTime();
        java.time.Instant startedAt = java.time.Instant.now();
        Supplier<String> elapsed = () -> String.format("%.1f s", (System.nanoTime() - start) / 1e9);
        try {
            await("API server healthy", wait, start, handle, server, out, () -> ClusterClient.ready(dir.kubeconfig()));
            out.println("  API server healthy (" + elapsed.get() + ")");
            out.flush();
            try (KubernetesClient client = ClusterClient.open(dir.kubeconfig())) {
                await("node registered", wait, start, handle, server, out,
                        () -> !client.nodes().list().getItems().isEmpty());
                String name = client.nodes().list().getItems().getFirst().getMetadata().getName();
                out.println("  node " + name + " registered (" + elapsed.get() + ")");
                out.flush();
                // A Node from an earlier run may still say Ready: also require its Lease renewed by this run.
                java.time.Instant since = startedAt.minusSeconds(1);
                await("node " + name + " Ready", wait, start, handle, server, out, () -> {
                    Node n = client.nodes().withName(name).get();
                    var lease = client.leases().inNamespace("kube-node-lease").withName(name).get();
                    return n != null && StatusReport.isReady(n) && lease != null && lease.getSpec().getRenewTime() != null
                            && lease.getSpec().getRenewTime().toInstant().isAfter(since);
                });
                out.println("  node " + name + " Ready (" + elapsed.get() + ")");
            }
        } catch (IllegalStateException e) {
            out.flush();
            throw e;
        }
        printNext(out, dir);
        return 0;
    }

    private static void printNext(PrintWriter out, DataDir dir) {
        out.println("export KUBECONFIG=" + dir.kubeconfig());
        out.println("kubectl get nodes");
        out.flush();
    }

    /** Polls {@code done} until it holds; fails with the log's last lines if the server exits or time runs out. */
    private void await(String what, Duration wait, long start, ProcessHandle handle, ServerProcess server,
            PrintWriter out, Probe done) throws InterruptedException {
        while (true) {
            if (!handle.isAlive()) {
                throw new IllegalStateException("the server exited before " + what + "; the last lines of "
                        + server.logTailText());
            }
            try {
                if (done.test()) {
                    return;
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                // Not yet: the server is starting (refused connections, no kubeconfig yet).
            }
            if (System.nanoTime() - start > wait.toNanos()) {
                throw new IllegalStateException("no " + what + " after " + wait.toSeconds() + " s (the server, pid "
                        + handle.pid() + ", is still running: kaji status, or kaji down to stop it); the last lines of "
                        + server.logTailText());
            }
            Thread.sleep(250);
        }
    }

    /** A condition to wait for. */
    @FunctionalInterface
    interface Probe {
        boolean test() throws Exception;
    }

    /** Null if nothing listens on 127.0.0.1:{@code port}, else what binding it said. */
    static String portInUse(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            return null;
        } catch (java.io.IOException e) {
            return e.getMessage();
        }
    }

    /** The names of what is missing: the paths that fail {@code present}, then each absent command. */
    static List<String> missingPrerequisites(List<Path> paths, java.util.function.Predicate<Path> present,
            String... absentCommands) {
        List<String> missing = new ArrayList<>();
        for (Path p : paths) {
            if (!present.test(p)) {
                missing.add(p.toString());
            }
        }
        for (String c : absentCommands) {
            if (c != null) {
                missing.add(c);
            }
        }
        return missing;
    }

    /** Null if {@code command} is on the PATH (or in /usr/sbin, /sbin), else its name. */
    static String onPath(String command) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
                return null;
            }
        }
        return command;
    }
}
