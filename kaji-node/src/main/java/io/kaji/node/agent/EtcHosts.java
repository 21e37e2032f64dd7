package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.SandboxSpec;
import io.kaji.node.volume.PodVolumes;
import io.kaji.node.volume.VolumeError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A pod's {@code /etc/hosts}, as the kubelet writes it for each pod and mounts into every container (its
 * managedHostsFileContent): localhost lines, each pod IP with the pod's hostname — as
 * {@code <hostname>.<subdomain>.<namespace>.svc.<cluster domain>} first when the pod has a subdomain — and the
 * pod's {@code hostAliases}. A host-network pod gets the node's own file with the aliases added. Programs that
 * resolve their own hostname ({@code hostname -i}, Java's {@code InetAddress.getLocalHost()}) find the pod's IP
 * there instead of asking the cluster DNS, which has no name for a bare pod.
 */
final class EtcHosts {

    private EtcHosts() {
    }

    /**
     * {@code mounts} and the pod's {@code /etc/hosts} (written by {@code volumes}), unless the container mounts a
     * file there itself or the pod has no address yet, as the kubelet decides it.
     */
    static List<ContainerSpec.Mount> mounted(PodVolumes volumes, ClusterNetwork network, Pod pod, String ip,
                                             List<ContainerSpec.Mount> mounts) throws VolumeError {
        if (ip == null || ip.isEmpty() || mounts.stream().anyMatch(m -> m.containerPath().equals("/etc/hosts"))) {
            return mounts;
        }
        String content;
        if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            try {
                content = forHostNetwork(pod, Files.readString(Path.of("/etc/hosts")));
            } catch (IOException e) {
                content = forHostNetwork(pod, "");
            }
        } else {
            content = forPod(pod, List.of(ip), network.clusterDomain());
        }
        List<ContainerSpec.Mount> out = new ArrayList<>(mounts);
        out.add(new ContainerSpec.Mount(volumes.etcHosts(pod.getMetadata().getUid(), content).toString(),
                "/etc/hosts", false));
        return out;
    }

    /** The file of a pod with its own network namespace, whose addresses are {@code podIps}. */
    static String forPod(Pod pod, List<String> podIps, String clusterDomain) {
        StringBuilder b = new StringBuilder("# Kubernetes-managed hosts file.\n")
                .append("127.0.0.1\tlocalhost\n")
                .append("::1\tlocalhost ip6-localhost ip6-loopback\n")
                .append("fe00::0\tip6-localnet\n")
                .append("fe00::0\tip6-mcastprefix\n")
                .append("fe00::1\tip6-allnodes\n")
                .append("fe00::2\tip6-allrouters\n");
        String hostname = hostname(pod);
        String subdomain = pod.getSpec().getSubdomain();
        String domain = subdomain == null || subdomain.isEmpty() ? null
                : subdomain + "." + pod.getMetadata().getNamespace() + ".svc." + clusterDomain;
        for (String ip : podIps) {
            b.append(ip).append('\t');
            if (domain != null) {
                b.append(hostname).append('.').append(domain).append('\t');
            }
            b.append(hostname).append('\n');
        }
        return b.append(aliases(pod)).toString();
    }

    /** The file of a host-network pod: the node's {@code /etc/hosts} ({@code nodeHosts}) and the pod's aliases. */
    static String forHostNetwork(Pod pod, String nodeHosts) {
        StringBuilder b = new StringBuilder("# Kubernetes-managed hosts file (host network).\n").append(nodeHosts);
        if (!nodeHosts.isEmpty() && !nodeHosts.endsWith("\n")) {
            b.append('\n');
        }
        return b.append(aliases(pod)).toString();
    }

    static String hostname(Pod pod) {
        String h = pod.getSpec().getHostname();
        return SandboxSpec.podHostname(h != null && !h.isEmpty() ? h : pod.getMetadata().getName());
    }

    private static String aliases(Pod pod) {
        List<HostAlias> aliases = pod.getSpec().getHostAliases();
        if (aliases == null || aliases.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("\n# Entries added by HostAliases.\n");
        for (HostAlias a : aliases) {
            if (a.getIp() == null || a.getHostnames() == null || a.getHostnames().isEmpty()) {
                continue;
            }
            b.append(a.getIp()).append('\t').append(String.join("\t", a.getHostnames())).append('\n');
        }
        return b.toString();
    }
}
