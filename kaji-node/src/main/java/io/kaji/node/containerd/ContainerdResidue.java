package io.kaji.node.containerd;

import io.kaji.node.host.HostCommand;
import io.kaji.node.host.Mounts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node's containerd leaves behind once it is stopped: containers still run by runc under the node's runc
 * root, their {@code containerd-shim-runc-v2} processes (started with {@code -address <node socket>}), and
 * mounts (rootfs overlays, network namespaces) under the node's data dir. {@link #remove()} kills and unmounts
 * them, for a node being torn down and for tests.
 *
 * <p>Only processes and mounts that belong to this data dir are touched. Blocking; not thread-safe; meant for after
 * {@link ContainerdSupervisor#stop()} or for a node whose agent was killed (its containerd is stopped too).
 */
public final class ContainerdResidue {

    private static final Logger log = LoggerFactory.getLogger(ContainerdResidue.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

    private final ContainerdConfig config;

    public ContainerdResidue(ContainerdConfig config) {
        this.config = config;
    }

    /** The containerd processes running with this node's configuration file (left behind by a killed agent). */
    public List<ProcessHandle> containerdProcesses() {
        String configFile = config.configFile().toString();
        return ProcessHandle.allProcesses()
                .filter(h -> h.info().command().map(c -> c.endsWith("/containerd")).orElse(false))
                .filter(h -> h.info().arguments().map(a -> List.of(a).contains(configFile)).orElse(false))
                .toList();
    }

    /** The pids of the shims serving this node's containerd. */
    public List<Long> shimPids() {
        String address = config.socket().toString();
        return ProcessHandle.allProcesses()
                .filter(h -> h.info().command().map(c -> c.endsWith("containerd-shim-runc-v2")).orElse(false))
                .filter(h -> h.info().arguments().map(a -> List.of(a).contains(address)).orElse(false))
                .map(ProcessHandle::pid)
                .toList();
    }

    /**
     * Mount points at or below containerd's data dir, and below the agent's {@code volumes} directory beside it (the
     * tmpfs of secret, projected and in-memory emptyDir volumes), deepest first.
     */
    public List<String> mounts() {
        List<Path> dirs = new ArrayList<>(List.of(config.dataDir()));
        Path agentDir = config.dataDir().toAbsolutePath().getParent();
        if (agentDir != null) {
            dirs.add(agentDir.resolve("volumes"));
        }
        return Mounts.under(dirs);
    }

    /**
     * Stops a containerd still running with this node's configuration (SIGTERM, SIGKILL after 10 s), kills the
     * node's containers and shims, unmounts what is mounted under the data dir and the volumes ({@link #mounts}) and
     * removes the pod cgroups the node's agent recorded next to it (an agent that was killed could not).
     */
    public void remove() {
        for (ProcessHandle h : containerdProcesses()) {
            log.info("stopping containerd pid={} of {}", h.pid(), config.dataDir());
            h.destroy();
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        killContainers();
        for (long pid : shimPids()) {
            ProcessHandle.of(pid).ifPresent(h -> {
                log.info("killing shim pid={} of {}", pid, config.dataDir());
                h.destroyForcibly();
                try {
                    h.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    log.warn("shim pid={} did not exit: {}", pid, e.toString());
                }
            });
        }
        for (String point : mounts()) {
            HostCommand.Result r = HostCommand.run(List.of("umount", "-l", point), COMMAND_TIMEOUT);
            if (!r.ok()) {
                log.warn("cannot unmount {}: {}", point, r.stderr().strip());
            }
        }
        Path agentDir = config.dataDir().toAbsolutePath().getParent();
        if (agentDir != null) {
            io.kaji.node.cgroup.PodCgroups.recorded(agentDir).ifPresent(cgroups -> {
                if (!cgroups.removeAll()) {
                    log.warn("could not remove every cgroup under {} (processes still in them?)", cgroups.root());
                }
            });
        }
    }

    private void killContainers() {
        if (!Files.isDirectory(config.runcRoot())) {
            return;
        }
        try (var namespaces = Files.list(config.runcRoot())) {
            for (Path root : namespaces.filter(Files::isDirectory).toList()) {
                HostCommand.Result list = HostCommand.run(List.of(config.runcBinary().toString(), "--root",
                        root.toString(), "list", "-q"), COMMAND_TIMEOUT);
                for (String id : list.stdout().lines().filter(s -> !s.isBlank()).toList()) {
                    log.info("deleting runc container {} of {}", id, config.dataDir());
                    HostCommand.run(List.of(config.runcBinary().toString(), "--root", root.toString(), "delete",
                            "--force", id), COMMAND_TIMEOUT);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + config.runcRoot(), e);
        }
    }
}
