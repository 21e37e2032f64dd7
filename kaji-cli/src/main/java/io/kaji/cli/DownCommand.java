package io.kaji.cli;

import io.kaji.node.NodeLayout;
import io.kaji.node.containerd.ContainerdConfig;
import io.kaji.node.containerd.ContainerdResidue;
import io.kaji.node.host.HostCommand;
import io.kaji.proxy.KajiIptables;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaji down}: stops the background server of a data dir and removes what a killed server can leave on the
 * host; {@code --purge} also deletes the data dir. Idempotent.
 */
@Command(name = "down",
        mixinStandardHelpOptions = true,
        description = {
                "Stop the cluster 'kaji up' started, and clean the host.",
                "Sends SIGTERM to the server (<data-dir>/server.pid; SIGKILL after",
                "--timeout), then removes what a killed server may leave: containers,",
                "shims and mounts under the data dir, its containerd, the kaji0 bridge,",
                "its KAJI-<tag>-* iptables chains and its routes (proto 75 in the",
                "cluster CIDR), as recorded in <data-dir>/host-state (--all-host-state:",
                "every Kaji chain and route on the host).",
                "--purge then deletes the data dir. On a stopped cluster it says so and",
                "still cleans."})
public final class DownCommand implements Callable<Integer> {

    /** The bridge of the server's in-process agent. */
    static final String BRIDGE = "kaji0";
    /** The routing protocol number Kaji's routes carry ({@code ip route ... proto 75}). */
    static final String ROUTE_PROTO = "75";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
    private static final Set<String> MARKERS = Set.of("pki", "db", "node", "kubeconfig", "node-token", "server.pid",
            "server.log", HostState.FILE);
    private static final Set<String> SYSTEM_TOPS = Set.of("bin", "boot", "dev", "etc", "lib", "lib32", "lib64",
            "proc", "sbin", "sys", "usr", "run");
    private static final Set<String> SYSTEM_DIRS = Set.of("/var/lib", "/var/log", "/var/cache", "/var/tmp",
            "/var/run", "/var/spool", "/var/mail", "/var/backups", "/var/local", "/var/opt", "/opt/local");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "The cluster's data dir (default: /var/lib/kaji for root, else ~/.kaji).")
    Path dataDir;

    @Option(names = "--purge", description = "Also delete the data dir (store, PKI, kubeconfig, images).")
    boolean purge;

    @Option(names = "--all-host-state",
            description = "Remove every KAJI-* iptables chain and every proto-75 route on this host, not only "
                    + "this cluster's (as recorded in <data-dir>/host-state).")
    boolean allHostState;

    @Option(names = "--timeout", defaultValue = "60s", paramLabel = "DURATION",
            description = "How long to wait after SIGTERM before SIGKILL (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws Exception {
        // down prints its own progress lines; the residue remover's per-container INFO lines would repeat them.
        System.setProperty("org.slf4j.simpleLogger.log.io.kaji.node.containerd.ContainerdResidue", "warn");
        PrintWriter out = spec.commandLine().getOut();
        DataDir dir = DataDir.of(dataDir);
        if (purge) {
            String refusal = purgeRefusal(dir.path(), Path.of(System.getProperty("user.home")));
            if (refusal != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--purge: " + refusal);
            }
        }
        stopServer(dir, out);
        if (DataDir.isRoot()) {
            cleanHost(dir, out);
        } else {
            out.println("Not root: host cleanup (containers, bridge, iptables, routes) skipped; sudo ./kaji down does it.");
        }
        if (purge && Files.exists(dir.path())) {
            List<String> mounted = new ContainerdResidue(ContainerdConfig.defaults(dir.path(), "unused")).mounts();
            if (!mounted.isEmpty()) {
                throw new IllegalStateException("not deleting " + dir + ": still mounted below it: " + mounted
                        + " (unmount them, then run kaji down --purge again)");
            }
            deleteTree(dir.path());
            out.println("Deleted " + dir);
        }
        out.flush();
        return 0;
    }

    private void stopServer(DataDir dir, PrintWriter out) throws Exception {
        ServerProcess server = new ServerProcess(dir);
        Optional<ProcessHandle> running = server.running();
        if (running.isEmpty()) {
            out.println("Kaji is not running (data dir " + dir + ").");
        } else {
            ProcessHandle h = running.get();
            Duration wait = Durations.parse(timeout);
            out.printf("Stopping Kaji (pid %d) ...%n", h.pid());
            out.flush();
            long start = System.nanoTime();
            h.destroy();
            long nextReport = 5;
            while (h.isAlive() && System.nanoTime() - start < wait.toNanos()) {
                Thread.sleep(200);
                long s = (System.nanoTime() - start) / 1_000_000_000L;
                if (s >= nextReport && h.isAlive()) {
                    out.printf("  still stopping (%d s)%n", s);
                    out.flush();
                    nextReport += 5;
                }
            }
            if (h.isAlive()) {
                out.printf("  pid %d did not exit after %d s; killing it%n", h.pid(), wait.toSeconds());
                h.destroyForcibly();
                h.onExit().get(10, TimeUnit.SECONDS);
            }
            out.printf("  stopped (%.1f s)%n", (System.nanoTime() - start) / 1e9);
        }
        Files.deleteIfExists(dir.pidFile());
    }

    /** Removes the host state a killed server can leave: containerd and its containers, bridge, chains, routes. */
    private void cleanHost(DataDir dir, PrintWriter out) {
        ContainerdConfig containerd = new NodeLayout(dir.node()).containerd();
        ContainerdResidue residue = new ContainerdResidue(containerd);
        for (ProcessHandle h : residue.containerdProcesses()) {
            out.println("  stopping containerd pid " + h.pid() + " left behind");
        }
        int shims = residue.shimPids().size();
        int mounts = residue.mounts().size();
        residue.remove();
        if (shims + mounts > 0) {
            out.printf("  removed %d containerd shims and %d mounts under %s%n", shims, mounts, dir.node());
        }
        io.kaji.node.cgroup.PodCgroups.recorded(dir.node()).ifPresent(cgroups -> {
            boolean gone = cgroups.removeAll();
            out.println(gone ? "  removed the pod cgroups under " + cgroups.root()
                    : "  could not remove every cgroup under " + cgroups.root() + " (processes still in them?)");
        });
        Optional<HostState> recorded = allHostState ? Optional.empty() : HostState.read(dir.path());
        String bridge = recorded.map(HostState::bridge).orElse(BRIDGE);
        String chainPrefix = recorded.map(HostState::chainPrefix).orElse(HostState.CHAIN_PREFIX);
        if (recorded.isEmpty()) {
            out.println("  removing every Kaji chain and route on this host"
                    + (allHostState ? "" : " (" + dir.path().resolve(HostState.FILE) + " does not say which are this cluster's)"));
        }
        if (HostCommand.run(List.of("ip", "link", "show", bridge), COMMAND_TIMEOUT).ok()) {
            report(out, "bridge " + bridge, HostCommand.run(List.of("ip", "link", "del", bridge), COMMAND_TIMEOUT));
        }
        try {
            int removed = KajiIptables.removeWithPrefix(chainPrefix);
            if (removed > 0) {
                out.printf("  removed %d %s* chains from the nat and filter tables%n", removed, chainPrefix);
            }
        } catch (RuntimeException e) {
            out.println("  could not remove the " + chainPrefix + "* iptables chains: " + e.getMessage());
        }
        List<String> flush = new java.util.ArrayList<>(List.of("ip", "route", "flush", "proto", ROUTE_PROTO));
        recorded.ifPresent(h -> flush.addAll(List.of("root", h.clusterCidr())));
        HostCommand.Result routes = HostCommand.run(flush, COMMAND_TIMEOUT);
        if (!routes.ok()) {
            out.println("  could not flush Kaji's routes (" + String.join(" ", flush) + "): " + routes.stderr().strip());
        }
        out.println("Host cleaned: no Kaji containers, bridge, iptables chains or routes left.");
    }

    private static void report(PrintWriter out, String what, HostCommand.Result r) {
        out.println(r.ok() ? "  removed " + what : "  could not remove " + what + ": " + r.stderr().strip());
    }

    /**
     * Why {@code dir} must not be deleted, or null if it may: never /, a top-level dir, a system dir, the home
     * directory or one of its parents, a symbolic link, or an existing directory with nothing of Kaji in it.
     */
    static String purgeRefusal(Path dir, Path home) {
        Path d = dir.toAbsolutePath().normalize();
        Path h = home.toAbsolutePath().normalize();
        if (d.getNameCount() < 2) {
            return "refusing to delete " + d + ": a data dir is never / or a top-level directory";
        }
        if (h.startsWith(d)) {
            return "refusing to delete " + d + ": it is the home directory or contains it";
        }
        if (SYSTEM_TOPS.contains(d.getName(0).toString()) || SYSTEM_DIRS.contains(d.toString())) {
            return "refusing to delete " + d + ": it is a system directory";
        }
        if (Files.isSymbolicLink(d)) {
            return "refusing to delete " + d + ": it is a symbolic link; give the real directory";
        }
        if (Files.isDirectory(d)) {
            try (var entries = Files.list(d)) {
                if (entries.map(p -> p.getFileName().toString()).noneMatch(MARKERS::contains)) {
                    return "refusing to delete " + d + ": it does not look like a Kaji data dir (none of "
                            + String.join(", ", MARKERS.stream().sorted().toList()) + " in it)";
                }
            } catch (IOException e) {
                return "cannot read " + d + ": " + e.getMessage();
            }
        } else if (Files.exists(d)) {
            return "refusing to delete " + d + ": it is not a directory";
        }
        return null;
    }

    /** Deletes {@code root} and everything below it, not following symbolic links. */
    static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
