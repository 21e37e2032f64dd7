package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kubelet's /etc/hosts of a pod: its IPs under its hostname, the subdomain's FQDN, hostAliases. */
class EtcHostsTest {

    private static final String HEADER = "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
            + "::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\n"
            + "fe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";

    @Test
    void aPodIsKnownByItsNameAtItsAddress() {
        assertThat(EtcHosts.forPod(pod().build(), List.of("100.64.1.7"), "cluster.local"))
                .isEqualTo(HEADER + "100.64.1.7\tweb-0\n");
    }

    @Test
    void hostnameSubdomainAndAliases() {
        Pod pod = pod().editSpec().withHostname("db").withSubdomain("replicas").addNewHostAlias().withIp("10.0.0.9")
                .withHostnames("foo.local", "bar.local").endHostAlias().addNewHostAlias().withIp("10.0.0.10")
                .endHostAlias().endSpec().build();
        assertThat(EtcHosts.forPod(pod, List.of("100.64.1.7", "fd00::7"), "example.org")).isEqualTo(HEADER
                + "100.64.1.7\tdb.replicas.shop.svc.example.org\tdb\n"
                + "fd00::7\tdb.replicas.shop.svc.example.org\tdb\n"
                + "\n# Entries added by HostAliases.\n10.0.0.9\tfoo.local\tbar.local\n");
    }

    @Test
    void aHostNetworkPodGetsTheNodesFileAndItsAliases() {
        Pod pod = pod().editSpec().withHostNetwork(true).addNewHostAlias().withIp("10.0.0.9").withHostnames("foo")
                .endHostAlias().endSpec().build();
        assertThat(EtcHosts.forHostNetwork(pod, "127.0.0.1 localhost\n192.168.1.5 node-a"))
                .isEqualTo("# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n"
                        + "192.168.1.5 node-a\n\n# Entries added by HostAliases.\n10.0.0.9\tfoo\n");
    }

    @Test
    void aLongNameIsCutToADnsLabel() {
        Pod pod = pod().editMetadata().withName("a".repeat(62) + "-b").endMetadata().build();
        assertThat(EtcHosts.hostname(pod)).isEqualTo("a".repeat(62));
    }

    private static PodBuilder pod() {
        return new PodBuilder().withNewMetadata().withName("web-0").withNamespace("shop").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("i").endContainer().endSpec();
    }
}
