package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.kaji.node.cgroup.PodCgroups;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.ImageInfo;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.SandboxSpec;
import io.kaji.node.volume.PodVolumes;
import io.kaji.node.volume.VolumeError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CRI requests the agent makes to start a pod, built by the agent's own code but without an API server: what
 * {@code kaji bench pod-startup} needs to measure the runtime's floor for the very pods the agent asks for.
 *
 * <p>As {@link PodSyncer} does it: the sandbox ({@link PodSpecs#sandbox}) in the pod's cgroup
 * ({@link PodCgroups#ensure}); each container with its security settings for the image's user
 * ({@link SecurityContexts#container}), its environment (the service variables of the Services given), its volumes'
 * bind mounts ({@link PodVolumes#mounts}), the pod's {@code /etc/hosts} ({@link EtcHosts}), a fresh termination-log
 * file and its OOM score. What differs: a projected volume's files (the service-account token, the CA bundle, the
 * namespace) hold placeholders of their usual sizes instead of what the API server would give, on disk instead of
 * the node's tmpfs (a bind mount either way); an emptyDir is a directory; no other volume type is supported.
 *
 * <p>Thread-safe.
 */
public final class AgentPodRequests {

    /** About the size of a service-account token the API server issues (an ES256 JWT with Kubernetes' claims). */
    private static final int TOKEN_BYTES = 1_000;
    /** About the size of a PEM CA bundle of one certificate. */
    private static final int CA_BYTES = 1_100;

    private final Path root;
    private final PodCgroups cgroups;
    private final ClusterNetwork network;
    private final PodVolumes volumes;
    private final EnvResolver env;

    /**
     * @param root     where pods' volumes, /etc/hosts and termination-log files go ({@code <root>/<uid>/...})
     * @param cgroups  the pods' cgroups
     * @param network  the cluster's DNS (the sandboxes' resolv.conf) and domain
     * @param services the Services whose variables each container gets (as {@code enableServiceLinks} selects them)
     */
    public AgentPodRequests(Path root, PodCgroups cgroups, ClusterNetwork network, List<Service> services) {
        this.root = root;
        this.cgroups = cgroups;
        this.network = network;
        this.volumes = new PodVolumes(null, root, Clock.systemUTC());
        List<Service> all = List.copyOf(services);
        this.env = new EnvResolver(null, new ServiceLister() {
            @Override
            public boolean hasSynced() {
                return true;
            }

            @Override
            public List<Service> list(String namespace) {
                return all.stream().filter(s -> namespace.equals(s.getMetadata().getNamespace())).toList();
            }
        });
    }

    /** The sandbox of {@code pod} in its pod cgroup (created here, as the agent creates it before the sandbox). */
    public SandboxSpec sandbox(Pod pod, PodLogs logs) {
        return PodSpecs.sandbox(pod, 0, logs, network, null).withCgroupParent(cgroups.ensure(pod));
    }

    /**
     * The first attempt of container {@code c} of {@code pod}, whose sandbox has address {@code ip} and whose image
     * the runtime describes as {@code image}; writes the pod's volume files, /etc/hosts and termination-log file.
     * With no node behind it, the pod's address stands in for the node's ({@code status.hostIP} references).
     *
     * @throws IllegalArgumentException if the pod is one the agent would refuse to start (its runAsNonRoot against
     *                                  the image's user, an unresolvable environment, a volume type other than
     *                                  projected or emptyDir)
     */
    public ContainerSpec container(Pod pod, Container c, String ip, Optional<ImageInfo> image) {
        try {
            SecurityContexts.ImageUser user = SecurityContexts.ImageUser.of(image);
            Optional<String> refused = SecurityContexts.runAsNonRootViolation(pod, c, user);
            if (refused.isPresent()) {
                throw new IllegalArgumentException(refused.get());
            }
            var security = SecurityContexts.container(pod, c, user, null);
            Map<String, String> vars = env.resolve(pod, c, ip, ip);
            List<ContainerSpec.Mount> mounts = EtcHosts.mounted(volumes, network, pod, ip, volumes.mounts(c,
                    writeVolumes(pod), expr -> EnvResolver.expand(expr, vars)));
            mounts = TerminationMessages.withLogFile(volumes, pod.getMetadata().getUid(), c, 0, mounts);
            return PodSpecs.container(c, 0, vars, mounts, security).withOomScoreAdj(cgroups.oomScoreAdj(pod, c));
        } catch (EnvResolver.ConfigError | VolumeError e) {
            throw new IllegalArgumentException("pod " + pod.getMetadata().getName() + ": " + e.getMessage(), e);
        }
    }

    /** Removes what {@link #sandbox} and {@link #container} made for pod {@code uid}, once its sandbox is gone. */
    public void remove(String uid) {
        volumes.tearDown(uid);
        cgroups.remove(uid);
    }

    private Map<String, PodVolumes.HostVolume> writeVolumes(Pod pod) throws VolumeError {
        Map<String, PodVolumes.HostVolume> out = new LinkedHashMap<>();
        Path podDir = root.resolve(pod.getMetadata().getUid());
        for (Volume v : pod.getSpec().getVolumes() == null ? List.<Volume>of() : pod.getSpec().getVolumes()) {
            try {
                if (v.getEmptyDir() != null) {
                    Path dir = PodVolumes.emptyDir(root, pod.getMetadata().getUid(), v.getName());
                    Files.createDirectories(dir);
                    out.put(v.getName(), new PodVolumes.HostVolume(dir, false));
                } else if (v.getProjected() != null) {
                    Path dir = podDir.resolve("kubernetes.io~projected").resolve(v.getName());
                    Files.createDirectories(dir);
                    for (VolumeProjection p : v.getProjected().getSources()) {
                        writeProjection(dir, p, pod.getMetadata().getNamespace());
                    }
                    out.put(v.getName(), new PodVolumes.HostVolume(dir, true));
                } else {
                    throw new VolumeError("volume \"" + v.getName() + "\": the floor's pods have projected and"
                            + " emptyDir volumes only");
                }
            } catch (IOException | UncheckedIOException e) {
                throw new VolumeError("volume \"" + v.getName() + "\": " + e.getMessage());
            }
        }
        return out;
    }

    private static void writeProjection(Path dir, VolumeProjection p, String namespace) throws IOException {
        if (p.getServiceAccountToken() != null) {
            Files.writeString(dir.resolve(p.getServiceAccountToken().getPath()), "x".repeat(TOKEN_BYTES));
        }
        if (p.getConfigMap() != null && p.getConfigMap().getItems() != null) {
            for (var item : p.getConfigMap().getItems()) {
                Files.writeString(dir.resolve(item.getPath()), "x".repeat(CA_BYTES));
            }
        }
        if (p.getDownwardAPI() != null && p.getDownwardAPI().getItems() != null) {
            for (var item : p.getDownwardAPI().getItems()) {
                Files.write(dir.resolve(item.getPath()), namespace.getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
